// The share extension: "Koers" in the share sheet of Safari or a job site's app logs the
// vacancy link as an application in the same dossier as the app (the App Group's database;
// a second process on the same file). Offline it is logged at once; the details are read
// here when the network allows, otherwise by the app when it next runs.
import KoersCore
import KoersKit
import UIKit
import UniformTypeIdentifiers

final class ShareViewController: UIViewController {
    private let label = UILabel()

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .systemBackground
        label.numberOfLines = 0
        label.textAlignment = .center
        label.text = String(localized: "share.saving")
        label.translatesAutoresizingMaskIntoConstraints = false
        view.addSubview(label)
        NSLayoutConstraint.activate([
            label.centerXAnchor.constraint(equalTo: view.centerXAnchor),
            label.centerYAnchor.constraint(equalTo: view.centerYAnchor),
            label.leadingAnchor.constraint(greaterThanOrEqualTo: view.leadingAnchor, constant: 24),
        ])
        Task { await logShared() }
    }

    private func logShared() async {
        let text = await sharedText()
        // Which part of the text is the link: the core's rule (tests/cases/shared_link.tsv).
        guard let link = sharedLink(text: text) else {
            return finish(String(localized: "share.no_link"))
        }
        do {
            let path = try SharedDossier.databasePath()
            let koers = try Koers.openWithSecrets(path: path, secrets: SharedDossier.secrets())
            _ = try koers.logFromLink(url: link, employer: nil, role: nil)
            SharedDossier.excludeFromBackup(databasePath: path)
            // Details now if the network allows; a failure stays pending for the app.
            _ = try? koers.enrichVacancies()
            finish(String(localized: "share.saved"))
        } catch {
            finish(CoreError.from(error).message)
        }
    }

    /// The shared URL, or the shared text (which may hold one).
    private func sharedText() async -> String {
        let providers = (extensionContext?.inputItems as? [NSExtensionItem] ?? [])
            .flatMap { $0.attachments ?? [] }
        for provider in providers {
            if provider.hasItemConformingToTypeIdentifier(UTType.url.identifier),
               let url = try? await provider.loadItem(forTypeIdentifier: UTType.url.identifier) as? URL {
                return url.absoluteString
            }
            if provider.hasItemConformingToTypeIdentifier(UTType.plainText.identifier),
               let text = try? await provider.loadItem(forTypeIdentifier: UTType.plainText.identifier) as? String {
                return text
            }
        }
        return ""
    }

    @MainActor private func finish(_ message: String) {
        label.text = message
        Task {
            try? await Task.sleep(nanoseconds: 1_200_000_000)
            extensionContext?.completeRequest(returningItems: nil)
        }
    }
}
