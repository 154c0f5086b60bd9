import Data
import Foundation
import Testing

/// Drives headless Chromium (Debian `chromium`) against an in-process server: the page loads a demo image,
/// clicks on it (through its `click=` query), and must draw the overlay. Skipped, with a message, when
/// Chromium is not installed. The screenshot goes to `$RMAE_SERVE_SCREENSHOT` or
/// `<temporary folder>/rmae-serve-screenshot.png`.
@Suite(.serialized) struct BrowserTests {
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") + ["/usr/bin"] {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Runs Chromium headless with `arguments` and returns its standard output.
    static func runChromium(_ binary: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(NSTemporaryDirectory())rmae-serve-chromium-\(UUID().uuidString)"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test func pageDrawsTheOverlayAfterAClick() async throws {
        guard let chromium = Self.chromium else {
            print("BrowserTests: SKIPPED: chromium is not installed (apt-get install chromium); the browser check did not run")
            return
        }
        let server = try await LiveServer.start()
        defer { server.stop() }
        let page = server.url("/?demo=025_gcompris_erase_kitten.jpg&click=0.45,0.5;0.55,0.5&background=0.05,0.05").absoluteString
        let dom = try await Self.runChromium(chromium, ["--virtual-time-budget=20000", "--dump-dom", page])
        #expect(dom.contains("data-overlay=\"ready\""), "the page never drew an overlay; DOM: \(dom.prefix(600))")
        #expect(dom.contains("Region covers"))

        let shot = ProcessInfo.processInfo.environment["RMAE_SERVE_SCREENSHOT"]
            ?? NSTemporaryDirectory() + "rmae-serve-screenshot.png"
        try? FileManager.default.removeItem(atPath: shot)
        _ = try await Self.runChromium(chromium, ["--virtual-time-budget=20000", "--window-size=1280,640",
                                                  "--hide-scrollbars", "--screenshot=\(shot)", page])
        let picture = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: shot))
        #expect(picture.width == 1280 && picture.height == 640)
        // The overlay is translucent red over the image: count strongly red pixels in the stage.
        var red = 0
        for y in 100..<540 { for x in 24..<472 {
            let i = 3 * (y * picture.width + x)
            let (r, g, b) = (Int(picture.pixels[i]), Int(picture.pixels[i + 1]), Int(picture.pixels[i + 2]))
            if r > 150 && r > g + 80 && r > b + 80 { red += 1 }
        } }
        #expect(red > 1000, "only \(red) red pixels in the screenshot \(shot)")
        print("BrowserTests: screenshot \(shot) (\(red) overlay pixels)")
    }
}
