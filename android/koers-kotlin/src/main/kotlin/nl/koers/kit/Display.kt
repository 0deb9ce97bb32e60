// Turns the core's text dates and instants into what a screen shows, in Dutch time; the
// core keeps dates as YYYY-MM-DD and instants as UTC RFC 3339.
package nl.koers.kit

import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import java.util.Locale

object Display {
    /** The dossier's time zone: the core counts days in Dutch time. */
    val ZONE: ZoneId = ZoneId.of("Europe/Amsterdam")

    /** "23 nov. 2026" (nl) / "Nov 23, 2026" (en); the text itself when it is not a date. */
    fun date(isoDate: String, locale: Locale = Locale.getDefault()): String =
        runCatching { LocalDate.parse(isoDate).format(DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale)) }
            .getOrDefault(isoDate)

    /** An instant as a date and time in Dutch time. */
    fun dateTime(timestamp: String, locale: Locale = Locale.getDefault()): String =
        runCatching {
            Instant.parse(timestamp).atZone(ZONE)
                .format(DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT).withLocale(locale))
        }.getOrDefault(timestamp)

    /** Epoch milliseconds of an instant, for the calendar intent and WorkManager. */
    fun epochMillis(timestamp: String): Long? = runCatching { Instant.parse(timestamp).toEpochMilli() }.getOrNull()

    /** Today in Dutch time as YYYY-MM-DD, the form the core takes. */
    fun today(): String = LocalDate.now(ZONE).toString()
}
