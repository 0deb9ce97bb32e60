// The applications list: search, status chips, and a quick-add sheet that asks only for
// employer and role, so logging one on the go takes seconds.
package nl.koers.app.ui.applications

import androidx.compose.foundation.clickable
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.FloatingActionButton
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.ModalBottomSheet
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
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

@Composable
fun ApplicationsScreen(
    onOpen: (String) -> Unit,
    vm: ApplicationsViewModel = viewModel { ApplicationsViewModel(koersApp().repository) },
) {
    val applications by vm.applications.collectAsStateWithLifecycle()
    val filter by vm.filter.collectAsStateWithLifecycle()
    var adding by rememberSaveable { mutableStateOf(false) }
    val snackbar = remember { SnackbarHostState() }
    ErrorSnackbar(vm, snackbar)

    Scaffold(
        floatingActionButton = {
            FloatingActionButton(onClick = { adding = true }) {
                Icon(Icons.Filled.Add, contentDescription = stringResource(R.string.apps_add))
            }
        },
        snackbarHost = { SnackbarHost(snackbar) },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            OutlinedTextField(
                value = filter.text.orEmpty(),
                onValueChange = vm::search,
                leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                placeholder = { Text(stringResource(R.string.apps_search)) },
                singleLine = true,
                modifier = Modifier.fillMaxWidth().padding(16.dp, 8.dp),
            )
            Row(
                Modifier.horizontalScroll(rememberScrollState()).padding(horizontal = 16.dp),
                horizontalArrangement = Arrangement.spacedBy(8.dp),
            ) {
                FilterChip(
                    selected = filter.needsFollowUp,
                    onClick = vm::toggleFollowUp,
                    label = { Text(stringResource(R.string.apps_filter_follow_up)) },
                )
                ApplicationStatus.entries.forEach { status ->
                    FilterChip(
                        selected = status in filter.statuses,
                        onClick = { vm.toggleStatus(status) },
                        label = { Text(stringResource(status.label())) },
                    )
                }
            }
            if (applications.isEmpty()) {
                Text(stringResource(R.string.apps_empty), Modifier.padding(16.dp))
            }
            LazyColumn(Modifier.fillMaxSize()) {
                items(applications, key = { it.id }) { app ->
                    ListItem(
                        headlineContent = { Text(app.employer) },
                        supportingContent = {
                            Column {
                                Text(app.role)
                                Text(Display.date(app.date), style = MaterialTheme.typography.bodySmall)
                                app.followUp?.let { Text(stringResource(R.string.apps_follow_up_on, Display.date(it)), style = MaterialTheme.typography.bodySmall) }
                            }
                        },
                        trailingContent = { AssistChip(onClick = { onOpen(app.id) }, label = { Text(stringResource(app.status.label())) }) },
                        modifier = Modifier.clickable { onOpen(app.id) },
                    )
                }
            }
        }
    }

    if (adding) QuickAddSheet(onDismiss = { adding = false }, onSave = { employer, role -> vm.quickAdd(employer, role) { adding = false } })
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun QuickAddSheet(onDismiss: () -> Unit, onSave: (String, String) -> Unit) {
    var employer by rememberSaveable { mutableStateOf("") }
    var role by rememberSaveable { mutableStateOf("") }
    ModalBottomSheet(onDismissRequest = onDismiss) {
        Column(Modifier.padding(16.dp).fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(stringResource(R.string.add_title), style = MaterialTheme.typography.titleLarge)
            OutlinedTextField(employer, { employer = it }, label = { Text(stringResource(R.string.add_employer)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
            OutlinedTextField(role, { role = it }, label = { Text(stringResource(R.string.add_role)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.End) {
                TextButton(onClick = onDismiss) { Text(stringResource(R.string.cancel)) }
                // The core says what is missing; the button does not second-guess it.
                Button(onClick = { onSave(employer, role) }) { Text(stringResource(R.string.add_save)) }
            }
        }
    }
}
