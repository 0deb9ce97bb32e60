// Posts a notification for each reminder the core says is due, once per reminder id (the
// core's reminder ledger, in the dossier's database, remembers what was handed out).
package nl.koers.app.work

import android.Manifest
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import nl.koers.app.KoersApp
import nl.koers.app.MainActivity
import nl.koers.app.R

class ReminderWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val context = applicationContext
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED &&
            android.os.Build.VERSION.SDK_INT >= 33
        ) {
            return Result.success() // asked for in the app; until granted nothing is marked as notified
        }
        val app = context as KoersApp
        // Only what is due now: WorkManager wakes this every 15 minutes.
        val fresh = app.repository.planReminders(0u).post.map { it.reminder }
        val open = PendingIntent.getActivity(
            context, 0,
            Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val manager = NotificationManagerCompat.from(context)
        for (reminder in fresh) {
            val notification = NotificationCompat.Builder(context, KoersApp.REMINDER_CHANNEL)
                .setSmallIcon(R.drawable.ic_launcher)
                .setContentTitle(reminder.title) // the core writes reminders in Dutch
                .setContentText(reminder.body)
                .setStyle(NotificationCompat.BigTextStyle().bigText(reminder.body))
                .setContentIntent(open)
                .setAutoCancel(true)
                .build()
            try {
                manager.notify(reminder.id.hashCode(), notification)
            } catch (e: SecurityException) {
                return Result.success() // permission withdrawn meanwhile
            }
        }
        return Result.success()
    }
}
