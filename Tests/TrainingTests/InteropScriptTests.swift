import Foundation
import Testing

/// scripts/check-interop.sh: rmae's weights against transformers' ViTMAE and timm's ViT, both ways, at the
/// native and another resolution. Skipped (saying why) where python3 (or $PYTHON) cannot import torch,
/// transformers or timm.
struct InteropScriptTests {
    /// Why the check cannot run here (the script's own probe), or nil.
    static let missing: String? = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.currentDirectoryURL = CPUScaleStudyScriptTests.repository
        p.arguments = ["scripts/check-interop.sh", "--probe"]
        let pipe = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = pipe
        guard (try? p.run()) != nil else { return "bash could not be started" }
        let err = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : err.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    @Test(.enabled(if: missing == nil, "\(missing ?? "")"))
    func everyInteropCheckPasses() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("rmae-interop-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.currentDirectoryURL = CPUScaleStudyScriptTests.repository
        p.arguments = ["scripts/check-interop.sh", dir.path]
        var env = ProcessInfo.processInfo.environment
        env["RMAE"] = CommandOutputTests.rmae.path
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let rows = out.split(separator: "\n").filter { $0.hasPrefix("check=") }
        #expect(rows.count >= 21, "\(out)")
        for row in rows { #expect(row.contains("ok=true"), "\(row)") }
        #expect(p.terminationStatus == 0, "\(out)")
    }
}
