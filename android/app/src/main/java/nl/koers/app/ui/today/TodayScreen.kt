// Today: the next appointment, follow-ups due, this week against the target, the next
// milestone and the open actions, all as the core computes them (Koers.today()).
package nl.koers.app.ui.today

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.material3.Card
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.flow.StateFlow
import nl.koers.app.R
import nl.koers.app.ui.koersApp
import nl.koers.app.ui.label
import nl.koers.core.TodayOverview
import nl.koers.kit.Display
import nl.koers.kit.DossierRepository

class TodayViewModel(repo: DossierRepository) : ViewModel() {
    val today: StateFlow<TodayOverview?> = repo.today
}

@Composable
fun TodayScreen(
    onOpenApplication: (String) -> Unit,
    vm: TodayViewModel = viewModel { TodayViewModel(koersApp().repository) },
) {
    val today by vm.today.collectAsStateWithLifecycle()
    val t = today
    if (t == null) {
        CircularProgressIndicator(Modifier.padding(32.dp))
        return
    }
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item {
            Section(stringResource(R.string.today_next_appointment)) {
                val a = t.nextAppointment
                if (a == null) Text(stringResource(R.string.today_no_appointment))
                else {
                    Text(stringResource(a.kind.label()), style = MaterialTheme.typography.titleMedium)
                    Text(Display.dateTime(a.startsAt))
                    if (a.location.isNotBlank()) Text(a.location)
                }
            }
        }
        item {
            Section(stringResource(R.string.today_this_week)) {
                val w = t.thisWeek
                if (w.target > 0u) {
                    Text(stringResource(R.string.today_week_count, w.applications.toInt(), w.target.toInt()))
                    LinearProgressIndicator(
                        progress = { (w.applications.toFloat() / w.target.toFloat()).coerceAtMost(1f) },
                        modifier = Modifier.fillMaxWidth().padding(top = 8.dp),
                    )
                    if (w.met) Text(stringResource(R.string.today_target_met), color = MaterialTheme.colorScheme.primary)
                } else {
                    Text(stringResource(R.string.today_week_count_no_target, w.applications.toInt()))
                }
            }
        }
        item {
            Section(stringResource(R.string.today_follow_ups)) {
                if (t.followUpsDue.isEmpty()) Text(stringResource(R.string.today_no_follow_ups))
                t.followUpsDue.forEach { app ->
                    ListItem(
                        headlineContent = { Text(app.employer) },
                        supportingContent = { Text(app.role) },
                        modifier = Modifier.clickable { onOpenApplication(app.id) },
                    )
                }
            }
        }
        t.nextMilestone?.let { m ->
            item {
                Section(stringResource(R.string.today_next_milestone)) {
                    Text(m.title, style = MaterialTheme.typography.titleMedium)
                    Text(Display.date(m.date) + (m.endDate?.let { " – " + Display.date(it) } ?: ""))
                    Text(m.description, style = MaterialTheme.typography.bodySmall)
                }
            }
        }
        if (t.openActions.isNotEmpty()) {
            item {
                Section(stringResource(R.string.today_open_actions)) {
                    t.openActions.forEach { a ->
                        ListItem(
                            headlineContent = { Text(a.title) },
                            supportingContent = a.due?.let { due -> @Composable { Text(Display.date(due)) } },
                        )
                    }
                }
            }
        }
    }
}

@Composable
internal fun Section(title: String, content: @Composable () -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(title, style = MaterialTheme.typography.labelLarge, color = MaterialTheme.colorScheme.primary)
            content()
        }
    }
}
