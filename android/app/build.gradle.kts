// The Compose app: screens and OS calls only. Every rule lives in the Rust core, reached
// through :koers-kotlin; the core's native library comes from cargo-ndk (see cargoNdk below).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "nl.koers.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "nl.koers.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    buildFeatures { compose = true }
    // Dutch first, English second; nothing else from the libraries' translations.
    androidResources { localeFilters += listOf("nl", "en") }
    packaging { resources.excludes += "/META-INF/{AL2.0,LGPL2.1}" }
}

dependencies {
    implementation(project(":koers-kotlin"))
    // On Android JNA must come as the AAR (it carries libjnidispatch.so per ABI); the
    // library module only compiles against the plain jar.
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlinx.coroutines.android)

    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.ui.tooling.preview)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.compose.material.icons)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.androidx.security.crypto)
    implementation(libs.androidx.camera.camera2)
    implementation(libs.androidx.camera.lifecycle)
    implementation(libs.androidx.camera.view)
    implementation(libs.mlkit.barcode.scanning)
    debugImplementation(libs.androidx.compose.ui.tooling)
}

// The core for the phone ABIs, into src/main/jniLibs (gitignored). Needs the Android NDK
// (ANDROID_NDK_HOME), `cargo install cargo-ndk` and the rustup targets; see README.md.
// Not hooked into preBuild so the app also builds from a jniLibs someone else produced;
// run `./gradlew :app:cargoNdk` (or ../scripts/build-android-libs.sh) before assembling.
val cargoNdk by tasks.registering(Exec::class) {
    description = "Builds libkoers_core.so for arm64-v8a, armeabi-v7a and x86_64 with cargo-ndk."
    group = "build"
    workingDir = rootDir.parentFile
    commandLine("bash", "android/scripts/build-android-libs.sh")
}
