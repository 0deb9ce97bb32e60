// The core's SecretStore on Android: values in EncryptedSharedPreferences, whose key is
// kept in the Android Keystore. The device token never lands in a plain file.
package nl.koers.app

import android.content.Context
import android.content.SharedPreferences
import androidx.security.crypto.EncryptedSharedPreferences
import androidx.security.crypto.MasterKey
import nl.koers.core.SecretStore
import nl.koers.core.SecretStoreException

class KeystoreSecretStore(context: Context) : SecretStore {
    private val prefs: SharedPreferences = EncryptedSharedPreferences.create(
        context,
        "koers_secrets",
        MasterKey.Builder(context).setKeyScheme(MasterKey.KeyScheme.AES256_GCM).build(),
        EncryptedSharedPreferences.PrefKeyEncryptionScheme.AES256_SIV,
        EncryptedSharedPreferences.PrefValueEncryptionScheme.AES256_GCM,
    )

    override fun get(key: String): String? = prefs.getString(key, null)

    // commit, not apply: the core expects the token to be stored when put returns, and
    // must hear when it was not (enrolment then stops before or undoes the link).
    override fun put(key: String, value: String) {
        val stored = try {
            prefs.edit().putString(key, value).commit()
        } catch (e: Exception) {
            throw SecretStoreException.Unavailable(e.message ?: e.javaClass.simpleName)
        }
        if (!stored) throw SecretStoreException.Unavailable("EncryptedSharedPreferences.commit() failed")
    }

    override fun delete(key: String) {
        prefs.edit().remove(key).commit()
    }
}
