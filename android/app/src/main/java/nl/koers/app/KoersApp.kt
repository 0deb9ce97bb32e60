// The process: opens the core once (database in private storage, secrets in the Keystore),
// holds the repository every screen uses, and schedules the background work.
package nl.koers.app

import android.app.Application
import android.app.NotificationChannel
import android.app.NotificationManager
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import nl.koers.app.work.BackgroundWork
import nl.koers.core.Koers
import nl.koers.kit.DossierRepository

class KoersApp : Application() {
    val koers: Koers by lazy {
        // getDatabasePath: the app's private storage, excluded from backups (see the manifest).
        val db = getDatabasePath("koers.db").apply { parentFile?.mkdirs() }
        Koers.openWithSecrets(db.absolutePath, KeystoreSecretStore(this))
    }
    val repository: DossierRepository by lazy { DossierRepository(koers) }
    val appScope = CoroutineScope(SupervisorJob())

    override fun onCreate() {
        super.onCreate()
        createNotificationChannel()
        BackgroundWork.schedulePeriodic(this)
        // A local change is pushed soon when a connection is there (WorkManager waits for one).
        // On IO: the first touch of `repository` opens the database.
        appScope.launch(Dispatchers.IO) {
            repository.changes.collect { topics ->
                // The core decides (the journal never leaves the phone; nothing pending, no sync).
                if (repository.needsSyncSoon(topics)) {
                    BackgroundWork.syncSoon(this@KoersApp)
                }
            }
        }
    }

    private fun createNotificationChannel() {
        val channel = NotificationChannel(
            REMINDER_CHANNEL,
            getString(R.string.notif_channel_reminders),
            NotificationManager.IMPORTANCE_DEFAULT,
        ).apply { description = getString(R.string.notif_channel_reminders_description) }
        getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    companion object {
        const val REMINDER_CHANNEL = "reminders"
    }
}
