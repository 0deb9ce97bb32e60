// Schedules the workers: sync every 15 minutes (WorkManager's minimum) and soon after a
// change or when the network comes back (constraint CONNECTED), reminders every 15 minutes,
// and the vacancy details of shared links as soon as there is a network.
package nl.koers.app.work

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import java.util.concurrent.TimeUnit

object BackgroundWork {
    private const val PERIODIC_SYNC = "koers-sync-periodic"
    private const val SOON_SYNC = "koers-sync-soon"
    private const val REMINDERS = "koers-reminders"
    private const val ENRICH = "koers-enrich"

    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    fun schedulePeriodic(context: Context) {
        val wm = WorkManager.getInstance(context)
        wm.enqueueUniquePeriodicWork(
            PERIODIC_SYNC,
            ExistingPeriodicWorkPolicy.KEEP,
            PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build(),
        )
        wm.enqueueUniquePeriodicWork(
            REMINDERS,
            ExistingPeriodicWorkPolicy.KEEP,
            PeriodicWorkRequestBuilder<ReminderWorker>(15, TimeUnit.MINUTES).build(),
        )
        // Also right now: whatever was logged offline goes out as soon as the network is back,
        // and links shared offline get their details.
        syncSoon(context)
        enrichSoon(context)
    }

    /** Reads shared vacancy pages once there is a network (after a share, at start). */
    fun enrichSoon(context: Context) {
        WorkManager.getInstance(context).enqueueUniqueWork(
            ENRICH,
            ExistingWorkPolicy.REPLACE,
            OneTimeWorkRequestBuilder<EnrichWorker>()
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build(),
        )
    }

    /** One sync as soon as there is a connection; waits for the network if there is none. */
    fun syncSoon(context: Context) {
        WorkManager.getInstance(context).enqueueUniqueWork(
            SOON_SYNC,
            ExistingWorkPolicy.REPLACE,
            OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(online)
                .setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build(),
        )
    }

    /** Reminders right after something changed (a sync can bring a new appointment). */
    fun remindersNow(context: Context) {
        WorkManager.getInstance(context).enqueueUniqueWork(
            "$REMINDERS-now",
            ExistingWorkPolicy.REPLACE,
            OneTimeWorkRequestBuilder<ReminderWorker>().build(),
        )
    }
}
