// The private journal: says plainly that it stays on the phone (the core never syncs it).
package nl.koers.app.ui.journal

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Slider
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableFloatStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.flow.StateFlow
import nl.koers.app.R
import nl.koers.app.ui.ErrorSnackbar
import nl.koers.app.ui.KoersViewModel
import nl.koers.app.ui.koersApp
import nl.koers.core.JournalEntry
import nl.koers.kit.Display
import nl.koers.kit.DossierRepository

class JournalViewModel(private val repo: DossierRepository) : KoersViewModel() {
    val entries: StateFlow<List<JournalEntry>> = repo.journal
    fun add(text: String, energy: Int, onSaved: () -> Unit) = write(onDone = onSaved) { repo.addJournalEntry(Display.today(), text, energy) }
}

@Composable
fun JournalScreen(vm: JournalViewModel = viewModel { JournalViewModel(koersApp().repository) }) {
    val entries by vm.entries.collectAsStateWithLifecycle()
    var text by rememberSaveable { mutableStateOf("") }
    var energy by remember { mutableFloatStateOf(3f) }
    val snackbar = remember { SnackbarHostState() }
    ErrorSnackbar(vm, snackbar)
    Scaffold(snackbarHost = { SnackbarHost(snackbar) }) { padding ->
        LazyColumn(Modifier.padding(padding), contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            item {
                Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer)) {
                    ListItem(
                        leadingContent = { Icon(Icons.Filled.Lock, contentDescription = null) },
                        headlineContent = { Text(stringResource(R.string.journal_private_notice)) },
                    )
                }
            }
            item {
                Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    OutlinedTextField(text, { text = it }, label = { Text(stringResource(R.string.journal_text)) }, modifier = Modifier.fillMaxWidth(), minLines = 3)
                    Text(stringResource(R.string.journal_energy, energy.toInt()))
                    Slider(value = energy, onValueChange = { energy = it }, valueRange = 1f..5f, steps = 3)
                    Button(onClick = { vm.add(text, energy.toInt()) { text = "" } }) { Text(stringResource(R.string.journal_save)) }
                }
            }
            if (entries.isEmpty()) item { Text(stringResource(R.string.journal_empty)) }
            items(entries, key = { it.id }) { e ->
                ListItem(
                    overlineContent = { Text(Display.date(e.date) + " · " + stringResource(R.string.journal_energy, e.energy.toInt())) },
                    headlineContent = { Text(e.text) },
                )
            }
        }
    }
}
