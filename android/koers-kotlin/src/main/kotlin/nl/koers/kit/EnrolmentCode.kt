// Reads what the employee typed or scanned to link the phone to the bureau: a bare code
// ("ABCD-2345", any case, spaces or no dash) or a link carrying `code` and `server`.
package nl.koers.kit

import java.net.URI
import java.net.URLDecoder

/** A code to enrol with, and the bureau's address when the scanned link carried one. */
data class EnrolmentCode(val code: String, val server: String?) {
    companion object {
        private val BARE = Regex("^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$")

        /**
         * Null when [text] holds no code. Only the form is checked here: whether the code is
         * valid is for the bureau to say (the core passes its refusal on as an exception).
         */
        fun parse(text: String): EnrolmentCode? {
            val t = text.trim()
            if (t.isEmpty()) return null
            val compact = t.replace(" ", "")
            if (BARE.matches(compact)) return EnrolmentCode(normalise(compact), null)
            val uri = try { URI(t) } catch (_: Exception) { return null }
            val query = uri.rawQuery ?: return null
            val params = query.split('&').mapNotNull { part ->
                val i = part.indexOf('=')
                if (i <= 0) null else part.substring(0, i) to URLDecoder.decode(part.substring(i + 1), "UTF-8")
            }.toMap()
            val code = params["code"]?.replace(" ", "")?.takeIf { BARE.matches(it) } ?: return null
            return EnrolmentCode(normalise(code), params["server"]?.takeIf { it.isNotBlank() })
        }

        private fun normalise(code: String): String {
            val plain = code.replace("-", "").uppercase()
            return plain.substring(0, 4) + "-" + plain.substring(4)
        }
    }
}
