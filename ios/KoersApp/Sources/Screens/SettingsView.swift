// Settings: link to the bureau (type or scan the code), sync status, export via the share
// sheet, sign out.
import KoersCore
import KoersKit
import SwiftUI

struct SettingsView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    /// The fields, the scan and the check before enrolling live in KoersKit (tested there).
    @State private var form = EnrolmentForm()
    @State private var scanning = false
    @State private var enrolling = false
    @State private var exported: URL?
    @State private var confirmingSignOut = false

    var body: some View {
        NavigationStack {
            Form {
                if store.syncStatus?.enrolled == true { linked } else { enrol }
                Section("settings.export") {
                    Button("settings.export.csv") { export(.csv) }
                    Button("settings.export.html") { export(.html) }
                    Button("settings.export.ics") { export(.ics) }
                }
            }
            .navigationTitle("tab.settings")
            .sheet(isPresented: $scanning) {
                CodeScanner { text in
                    scanning = false
                    form.scanned(text)
                }
                .ignoresSafeArea()
            }
            .sheet(item: Binding(get: { exported.map(ExportedFile.init) }, set: { exported = $0?.url })) { file in
                ShareSheet(items: [file.url])
            }
            .onAppear {
                if let pending = model.pendingEnrolment {
                    form.server = pending.serverURL
                    form.code = pending.code
                    model.pendingEnrolment = nil
                }
            }
        }
    }

    private var enrol: some View {
        Section {
            TextField("settings.server", text: $form.server).keyboardType(.URL).textInputAutocapitalization(.never).autocorrectionDisabled()
            TextField("settings.code", text: $form.code).textInputAutocapitalization(.characters).autocorrectionDisabled()
            if CodeScanner.isAvailable {
                Button { scanning = true } label: { Label("settings.scan", systemImage: "qrcode.viewfinder") }
            }
            if let problem = form.problem { Text(verbatim: problem).foregroundStyle(.red).font(.caption) }
            Button("settings.enrol") {
                guard let request = try? form.request() else { return } // form.problem says why
                enrolling = true
                model.run { store in
                    defer { Task { @MainActor in enrolling = false } }
                    try await store.enrol(serverURL: request.serverURL, code: request.code, deviceName: AppModel.deviceName)
                    _ = try? await store.syncNow()
                }
            }
            .disabled(enrolling || form.code.isEmpty)
        } header: {
            Text("settings.bureau")
        } footer: {
            Text("settings.enrol.help")
        }
    }

    private var linked: some View {
        Section("settings.bureau") {
            if let status = store.syncStatus {
                if let url = status.serverUrl { LabeledContent("settings.server", value: url) }
                LabeledContent("settings.last_synced", value: status.lastSyncedAt.map(DisplayDate.moment) ?? "—")
                Text("settings.pending_changes \(Int(status.pendingChanges))")
                if let error = status.lastError { Text(verbatim: error).foregroundStyle(.red).font(.caption) }
            }
            Button {
                model.run { try await $0.syncNow() }
            } label: {
                if store.isSyncing { ProgressView() } else { Text("settings.sync_now") }
            }
            .disabled(store.isSyncing)
            Button("settings.sign_out", role: .destructive) { confirmingSignOut = true }
                .confirmationDialog("settings.sign_out", isPresented: $confirmingSignOut) {
                    Button("settings.sign_out.keep") { model.run { try await $0.signOut(wipe: false) } }
                    Button("settings.sign_out.wipe", role: .destructive) { model.run { try await $0.signOut(wipe: true) } }
                }
        }
    }

    private func export(_ format: ExportFormat) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(exportFileName(format: format))
        model.run { store in
            let file = try await store.export(format, to: url)
            await MainActor.run { exported = file }
        }
    }

    private struct ExportedFile: Identifiable {
        let url: URL
        var id: String { url.path }
    }
}
