// The pure-Kotlin layer over the Rust core: the uniffi-generated bindings (generated from the
// host-built core by ../../scripts/bindings, never committed) plus nl.koers.kit. A plain JVM
// module, so its tests run on the desktop against target/debug/libkoers_core.so.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
}

val repoRoot: File = rootDir.parentFile
val generatedDir = layout.buildDirectory.dir("generated/uniffi/kotlin")

// Runs `scripts/bindings kotlin` (cargo build -p koers-core, then uniffi-bindgen in library
// mode with the root uniffi.toml). Needs cargo on the PATH, as on the developer's machine.
val generateBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings of koers-core with uniffi-bindgen (library mode)."
    group = "build"
    workingDir = repoRoot
    commandLine("bash", "scripts/bindings", "kotlin", generatedDir.get().asFile.absolutePath)
    inputs.dir(repoRoot.resolve("core/src"))
    inputs.file(repoRoot.resolve("uniffi.toml"))
    outputs.dir(generatedDir)
}

kotlin {
    jvmToolchain(17)
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
    sourceSets["main"].kotlin.srcDir(generateBindings.map { generatedDir.get() })
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

dependencies {
    // compileOnly: on the JVM the plain jar comes from testImplementation below; the app
    // adds the Android AAR of the same version (JNA's native dispatch lives in the AAR there).
    compileOnly(libs.jna)
    api(libs.kotlinx.coroutines.core)

    testImplementation(libs.jna)
    testImplementation(kotlin("test-junit"))
    testImplementation(libs.junit)
}

tasks.test {
    // The core built for the host by generateBindings; the sync test also wants the
    // KOERS_BUREAU_* variables that ../../scripts/test exports (see android/README.md).
    systemProperty("jna.library.path", repoRoot.resolve("target/debug").absolutePath)
    dependsOn(generateBindings)
}
