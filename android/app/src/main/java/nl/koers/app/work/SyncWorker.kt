// Syncs the dossier with the bureau in the background; the core does the work and keeps
// the status the settings screen shows.
package nl.koers.app.work

import android.app.Notification
import android.content.Context
import android.content.pm.ServiceInfo
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.work.CoroutineWorker
import androidx.work.ForegroundInfo
import androidx.work.WorkerParameters
import nl.koers.app.KoersApp
import nl.koers.app.R
import nl.koers.core.KoersException

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as KoersApp
        return try {
            // Online now: shared links waiting for their page are read too (cheap when none).
            runCatching { app.repository.enrichVacancies() }
            val outcome = app.repository.syncNow()
            if (outcome.changesReceived > 0u) BackgroundWork.remindersNow(applicationContext)
            Result.success()
        } catch (e: KoersException.NotEnrolled) {
            Result.success() // nothing to sync with yet
        } catch (e: KoersException.Refused) {
            Result.failure() // revoked or refused: retrying will not help; the status says why
        } catch (e: KoersException) {
            Result.retry() // network or bureau trouble: WorkManager backs off
        }
    }

    // Expedited work on Android 11 and lower runs as a foreground service and needs this.
    override suspend fun getForegroundInfo(): ForegroundInfo {
        val notification: Notification = NotificationCompat.Builder(applicationContext, KoersApp.REMINDER_CHANNEL)
            .setSmallIcon(R.drawable.ic_launcher)
            .setContentTitle(applicationContext.getString(R.string.settings_sync))
            .setSilent(true)
            .build()
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            ForegroundInfo(SYNC_NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            ForegroundInfo(SYNC_NOTIFICATION_ID, notification)
        }
    }

    private companion object {
        const val SYNC_NOTIFICATION_ID = 1
    }
}
