// Settings: link to the bureau (type or scan the code), sync status, export via the share
// sheet, sign out.
import KoersCore
import KoersKit
import SwiftUI

struct SettingsView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    @State private var server = ""
    @State private var code = ""
    @State private var scanning = false
    @State private var enrolling = false
    @State private var exported: URL?
    @State private var confirmingSignOut = false

    var body: some View {
        NavigationStack {
            Form {
                if store.syncStatus?.enrolled == true { linked } else { enrol }
                Section("settings.export") {
                    Button("settings.export.csv") { export(.csv, "sollicitaties.csv") }
                    Button("settings.export.html") { export(.html, "re-integratieverslag.html") }
                    Button("settings.export.ics") { export(.ics, "afspraken.ics") }
                }
            }
            .navigationTitle("tab.settings")
            .sheet(isPresented: $scanning) {
                CodeScanner { text in
                    scanning = false
                    apply(EnrolmentRequest.parse(text, fallbackServer: server), raw: text)
                }
                .ignoresSafeArea()
            }
            .sheet(item: Binding(get: { exported.map(ExportedFile.init) }, set: { exported = $0?.url })) { file in
                ShareSheet(items: [file.url])
            }
            .onAppear {
                if let pending = model.pendingEnrolment { apply(pending, raw: pending.code); model.pendingEnrolment = nil }
            }
        }
    }

    private var enrol: some View {
        Section {
            TextField("settings.server", text: $server).keyboardType(.URL).textInputAutocapitalization(.never).autocorrectionDisabled()
            TextField("settings.code", text: $code).textInputAutocapitalization(.characters).autocorrectionDisabled()
            if CodeScanner.isAvailable {
                Button { scanning = true } label: { Label("settings.scan", systemImage: "qrcode.viewfinder") }
            }
            Button("settings.enrol") {
                enrolling = true
                let (s, c) = (server, code)
                model.run { store in
                    defer { Task { @MainActor in enrolling = false } }
                    try await store.enrol(serverURL: s, code: c, deviceName: AppModel.deviceName)
                    _ = try? await store.syncNow()
                }
            }
            .disabled(enrolling || code.isEmpty || server.isEmpty)
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
                LabeledContent("settings.pending", value: "\(status.pendingChanges)")
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

    private func apply(_ request: EnrolmentRequest?, raw: String) {
        if let request {
            server = request.serverURL
            code = request.code
        } else {
            code = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        }
    }

    private func export(_ format: ExportFormat, _ name: String) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
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
