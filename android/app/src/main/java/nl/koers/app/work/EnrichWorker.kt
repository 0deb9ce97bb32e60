// Fills in the details (employer, role, place) of vacancy links shared while offline, once
// WorkManager sees a network; the core reads the pages and keeps what is still pending.
package nl.koers.app.work

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import nl.koers.app.KoersApp
import nl.koers.core.KoersException

class EnrichWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as KoersApp
        return try {
            val report = app.repository.enrichVacancies()
            // Pages that failed for now stay pending in the core: try again later.
            if (report.pending > 0u) Result.retry() else Result.success()
        } catch (e: KoersException) {
            Result.retry()
        }
    }
}
