// One application: its fields, the dated history of its status, the coach's comments, and
// changing the status.
package nl.koers.app.ui.applications

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import nl.koers.app.R
import nl.koers.app.ui.ErrorSnackbar
import nl.koers.app.ui.koersApp
import nl.koers.app.ui.label
import nl.koers.core.ApplicationStatus
import nl.koers.kit.Display

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ApplicationDetailScreen(
    id: String,
    onBack: () -> Unit,
    vm: ApplicationDetailViewModel = viewModel(key = "application-$id") { ApplicationDetailViewModel(koersApp().repository, id) },
) {
    val app by vm.application.collectAsStateWithLifecycle()
    val comments by vm.comments.collectAsStateWithLifecycle()
    val snackbar = remember { SnackbarHostState() }
    var menu by remember { mutableStateOf(false) }
    ErrorSnackbar(vm, snackbar)

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(app?.employer.orEmpty()) },
                navigationIcon = {
                    IconButton(onClick = onBack) { Icon(Icons.AutoMirrored.Filled.ArrowBack, stringResource(R.string.back)) }
                },
            )
        },
        snackbarHost = { SnackbarHost(snackbar) },
    ) { padding ->
        val a = app ?: return@Scaffold
        LazyColumn(Modifier.padding(padding), contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            item { Text(a.role, style = MaterialTheme.typography.titleLarge) }
            item { Field(R.string.detail_date, Display.date(a.date)) }
            a.location?.let { item { Field(R.string.detail_location, it) } }
            a.contact?.let { item { Field(R.string.detail_contact, it) } }
            if (a.notes.isNotBlank()) item { Field(R.string.detail_notes, a.notes) }
            item {
                OutlinedButton(onClick = { menu = true }) { Text(stringResource(R.string.detail_change_status) + ": " + stringResource(a.status.label())) }
                DropdownMenu(expanded = menu, onDismissRequest = { menu = false }) {
                    ApplicationStatus.entries.forEach { s ->
                        DropdownMenuItem(text = { Text(stringResource(s.label())) }, onClick = { menu = false; vm.setStatus(s) })
                    }
                }
            }
            item { Text(stringResource(R.string.detail_history), style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 16.dp)) }
            items(a.history.reversed()) { change ->
                Text(
                    stringResource(
                        R.string.detail_history_entry,
                        Display.dateTime(change.at),
                        stringResource(change.status.label()),
                        stringResource(change.by.label()),
                    ),
                )
            }
            if (comments.isNotEmpty()) {
                item { Text(stringResource(R.string.detail_comments), style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 16.dp)) }
                items(comments, key = { it.id }) { c ->
                    ListItem(headlineContent = { Text(c.text) }, supportingContent = { Text(c.authorName + " · " + Display.dateTime(c.at)) })
                }
            }
        }
    }
}

@Composable
private fun Field(label: Int, value: String) {
    ListItem(overlineContent = { Text(stringResource(label)) }, headlineContent = { Text(value) })
}
