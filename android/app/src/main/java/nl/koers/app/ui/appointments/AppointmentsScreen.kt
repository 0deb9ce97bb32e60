// Appointments with the coach: confirm, cancel, and put one in the phone's calendar
// (Intent.ACTION_INSERT, so no calendar permission is needed).
package nl.koers.app.ui.appointments

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.provider.CalendarContract
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.flow.StateFlow
import nl.koers.app.R
import nl.koers.app.ui.ErrorSnackbar
import nl.koers.app.ui.KoersViewModel
import nl.koers.app.ui.koersApp
import nl.koers.app.ui.label
import nl.koers.core.Actor
import nl.koers.core.Appointment
import nl.koers.core.AppointmentStatus
import nl.koers.kit.Display
import nl.koers.kit.DossierRepository

class AppointmentsViewModel(private val repo: DossierRepository) : KoersViewModel() {
    val appointments: StateFlow<List<Appointment>> = repo.appointments
    fun confirm(id: String) = write { repo.confirmAppointment(id) }
    fun cancel(id: String) = write { repo.cancelAppointment(id) }
}

@Composable
fun AppointmentsScreen(vm: AppointmentsViewModel = viewModel { AppointmentsViewModel(koersApp().repository) }) {
    val appointments by vm.appointments.collectAsStateWithLifecycle()
    val snackbar = remember { SnackbarHostState() }
    val context = LocalContext.current
    ErrorSnackbar(vm, snackbar)
    Scaffold(snackbarHost = { SnackbarHost(snackbar) }) { padding ->
        if (appointments.isEmpty()) Text(stringResource(R.string.appt_empty), Modifier.padding(padding).padding(16.dp))
        LazyColumn(Modifier.padding(padding), contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            items(appointments, key = { it.id }) { a ->
                Card(Modifier.fillMaxWidth()) {
                    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                        Text(stringResource(a.kind.label()), style = MaterialTheme.typography.titleMedium)
                        Text(Display.dateTime(a.startsAt) + " – " + Display.dateTime(a.endsAt))
                        if (a.location.isNotBlank()) Text(a.location)
                        if (a.agenda.isNotBlank()) Text(a.agenda, style = MaterialTheme.typography.bodySmall)
                        Text(stringResource(a.status.label()), color = MaterialTheme.colorScheme.primary)
                        if (a.proposedBy == Actor.COACH && a.status == AppointmentStatus.PROPOSED) {
                            Text(stringResource(R.string.appt_proposed_by_coach), style = MaterialTheme.typography.bodySmall)
                        }
                        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                            if (a.status == AppointmentStatus.PROPOSED) Button(onClick = { vm.confirm(a.id) }) { Text(stringResource(R.string.appt_confirm)) }
                            if (a.status.isActive()) {
                                OutlinedButton(onClick = { addToCalendar(context, a) }) { Text(stringResource(R.string.appt_to_calendar)) }
                                TextButton(onClick = { vm.cancel(a.id) }) { Text(stringResource(R.string.appt_cancel)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

private fun AppointmentStatus.isActive() = this == AppointmentStatus.PROPOSED || this == AppointmentStatus.CONFIRMED

private fun addToCalendar(context: Context, a: Appointment) {
    val intent = Intent(Intent.ACTION_INSERT)
        .setData(CalendarContract.Events.CONTENT_URI)
        .putExtra(CalendarContract.Events.TITLE, context.getString(a.kind.label()))
        .putExtra(CalendarContract.Events.EVENT_LOCATION, a.location)
        .putExtra(CalendarContract.Events.DESCRIPTION, a.agenda)
        .putExtra(CalendarContract.Events.EVENT_TIMEZONE, Display.ZONE.id)
    Display.epochMillis(a.startsAt)?.let { intent.putExtra(CalendarContract.EXTRA_EVENT_BEGIN_TIME, it) }
    Display.epochMillis(a.endsAt)?.let { intent.putExtra(CalendarContract.EXTRA_EVENT_END_TIME, it) }
    try {
        context.startActivity(intent)
    } catch (e: ActivityNotFoundException) {
        // No calendar app: nothing to do.
    }
}
