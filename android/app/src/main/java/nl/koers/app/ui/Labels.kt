// The app's words for the core's vocabularies, from the string resources (nl, en).
package nl.koers.app.ui

import androidx.annotation.StringRes
import nl.koers.app.R
import nl.koers.core.Actor
import nl.koers.core.ApplicationStatus
import nl.koers.core.AppointmentKind
import nl.koers.core.AppointmentStatus
import nl.koers.core.MilestoneState
import nl.koers.core.Phase
import nl.koers.core.TrajectoryKind

@StringRes fun ApplicationStatus.label(): Int = when (this) {
    ApplicationStatus.INTEREST -> R.string.status_interest
    ApplicationStatus.APPLIED -> R.string.status_applied
    ApplicationStatus.INTERVIEW -> R.string.status_interview
    ApplicationStatus.SECOND_INTERVIEW -> R.string.status_second_interview
    ApplicationStatus.OFFER -> R.string.status_offer
    ApplicationStatus.HIRED -> R.string.status_hired
    ApplicationStatus.REJECTED -> R.string.status_rejected
    ApplicationStatus.WITHDRAWN -> R.string.status_withdrawn
}

@StringRes fun AppointmentStatus.label(): Int = when (this) {
    AppointmentStatus.PROPOSED -> R.string.appt_status_proposed
    AppointmentStatus.CONFIRMED -> R.string.appt_status_confirmed
    AppointmentStatus.CANCELLED -> R.string.appt_status_cancelled
    AppointmentStatus.DONE -> R.string.appt_status_done
}

@StringRes fun AppointmentKind.label(): Int = when (this) {
    AppointmentKind.INTAKE -> R.string.appt_kind_intake
    AppointmentKind.COACHING -> R.string.appt_kind_coaching
    AppointmentKind.EVALUATION -> R.string.appt_kind_evaluation
    AppointmentKind.WORKSHOP -> R.string.appt_kind_workshop
    AppointmentKind.LABOUR_EXPERT_ASSESSMENT -> R.string.appt_kind_labour_expert
    AppointmentKind.OTHER -> R.string.appt_kind_other
}

@StringRes fun Phase.label(): Int = when (this) {
    Phase.INTAKE -> R.string.phase_intake
    Phase.ORIENTATION -> R.string.phase_orientation
    Phase.TRAINING -> R.string.phase_training
    Phase.JOB_HUNTING -> R.string.phase_job_hunting
    Phase.WORK_PLACEMENT -> R.string.phase_work_placement
    Phase.PLACED -> R.string.phase_placed
    Phase.AFTERCARE -> R.string.phase_aftercare
}

@StringRes fun TrajectoryKind?.label(): Int = when (this) {
    TrajectoryKind.SPOOR2 -> R.string.traj_kind_spoor2
    TrajectoryKind.OUTPLACEMENT -> R.string.traj_kind_outplacement
    null -> R.string.traj_kind_unknown
}

@StringRes fun MilestoneState.label(): Int = when (this) {
    MilestoneState.PAST -> R.string.milestone_past
    MilestoneState.DUE_SOON -> R.string.milestone_due_soon
    MilestoneState.AHEAD -> R.string.milestone_ahead
}

@StringRes fun Actor.label(): Int = when (this) {
    Actor.EMPLOYEE -> R.string.actor_employee
    Actor.COACH -> R.string.actor_coach
}
