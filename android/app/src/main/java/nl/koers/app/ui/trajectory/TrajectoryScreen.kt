// The trajectory: kind, phase, coach and weekly target, the milestones on a timeline
// (computed by the core from the first sick day or the contract end), and the plan's goals.
package nl.koers.app.ui.trajectory

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
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
import nl.koers.core.Milestone
import nl.koers.core.MilestoneState
import nl.koers.kit.Display
import nl.koers.kit.DossierRepository
import nl.koers.kit.TrajectoryView

class TrajectoryViewModel(repo: DossierRepository) : ViewModel() {
    val trajectory: StateFlow<TrajectoryView?> = repo.trajectory
}

@Composable
fun TrajectoryScreen(vm: TrajectoryViewModel = viewModel { TrajectoryViewModel(koersApp().repository) }) {
    val view by vm.trajectory.collectAsStateWithLifecycle()
    val v = view
    if (v == null) {
        CircularProgressIndicator(Modifier.padding(32.dp))
        return
    }
    val t = v.trajectory
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item { Text(stringResource(t.kind.label()), style = MaterialTheme.typography.headlineSmall) }
        t.phase?.let { item { Text(stringResource(R.string.traj_phase) + ": " + stringResource(it.label()), style = MaterialTheme.typography.titleMedium) } }
        if (t.coach.isNotBlank()) item { Text(stringResource(R.string.traj_coach, t.coach)) }
        if (t.weeklyTarget > 0u) item { Text(stringResource(R.string.traj_weekly_target, t.weeklyTarget.toInt())) }

        item { Heading(R.string.traj_goals) }
        if (t.goals.isEmpty()) item { Text(stringResource(R.string.traj_no_goals)) }
        items(t.goals) { goal -> Text("• $goal") }

        if (v.milestones.isNotEmpty()) item { Heading(R.string.traj_milestones) }
        items(v.milestones, key = { it.id }) { m -> MilestoneRow(m) }
    }
}

@Composable
private fun Heading(text: Int) {
    Text(stringResource(text), style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 16.dp))
}

@Composable
private fun MilestoneRow(m: Milestone) {
    val color = when (m.state) {
        MilestoneState.PAST -> MaterialTheme.colorScheme.outline
        MilestoneState.DUE_SOON -> MaterialTheme.colorScheme.secondary
        MilestoneState.AHEAD -> MaterialTheme.colorScheme.primary
    }
    Row(verticalAlignment = Alignment.Top, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        Box(Modifier.padding(top = 6.dp).size(12.dp).background(color, CircleShape))
        Column {
            Text(m.title, style = MaterialTheme.typography.bodyLarge)
            val week = m.week?.let { "week $it · " }.orEmpty()
            Text(
                week + Display.date(m.date) + (m.endDate?.let { " – " + Display.date(it) } ?: "") + " · " + stringResource(m.state.label()),
                style = MaterialTheme.typography.bodySmall,
            )
            Text(m.description, style = MaterialTheme.typography.bodySmall)
        }
    }
}
