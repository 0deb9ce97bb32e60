// swift-tools-version:5.9
// KoersKit: the Rust core (koers-core) for Swift. Three layers:
//   koersFFI   the C header uniffi generates (on Apple platforms: the XCFramework with the
//              static library for device and simulator; on Linux: a C target over the
//              generated header, linked against the host-built libkoers_core.so)
//   KoersCore  the Swift bindings uniffi generates (KoersCore.swift; not committed)
//   KoersKit   the Swift layer the app uses: DossierStore (@MainActor, @Observable),
//              CoreError, reminders, enrolment codes, labels
// Generated files come from ios/scripts/generate-bindings.sh (or scripts/test swift).
import Foundation
import PackageDescription

// Linux (and KOERS_FFI=source anywhere) builds the FFI module from the generated header and
// links libkoers_core from cargo's target dir; Apple platforms take the XCFramework that
// ios/scripts/build-xcframework.sh writes next to this file.
#if os(Linux)
let useSourceFFI = true
#else
let useSourceFFI = ProcessInfo.processInfo.environment["KOERS_FFI"] == "source"
#endif

let ffiTarget: Target = useSourceFFI
    ? .target(name: "koersFFI", path: "Sources/koersFFI")
    : .binaryTarget(name: "koersFFI", path: "koersFFI.xcframework")

let package = Package(
    name: "KoersKit",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "KoersKit", targets: ["KoersKit"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "KoersCore",
            dependencies: ["koersFFI"],
            path: "Sources/KoersCore",
            // The static library doesn't carry its Rust crates' #[link] requests (reqwest's
            // proxy lookup, rustls): the frameworks are named here instead.
            linkerSettings: useSourceFFI
                ? [.linkedLibrary("koers_core")]
                : [.linkedFramework("SystemConfiguration"), .linkedFramework("Security"),
                   .linkedFramework("CoreFoundation")]
        ),
        // Linux only: a symbol Debian's libswiftObservation.so lacks (see its shim.c).
        .target(name: "ObservationShim", path: "Sources/ObservationShim"),
        .target(
            name: "KoersKit",
            dependencies: [
                "KoersCore",
                .target(name: "ObservationShim", condition: .when(platforms: [.linux])),
            ],
            path: "Sources/KoersKit"
        ),
        .testTarget(
            name: "KoersKitTests",
            dependencies: ["KoersKit", "KoersCore"],
            path: "Tests/KoersKitTests"
        ),
    ]
)
