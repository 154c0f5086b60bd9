import ArgumentParser
import Foundation
import Serve

/// `rmae serve`: interactive segmentation in the browser (wiring only; see `Serve.ServeServer`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a page for interactive segmentation: pick or upload an image, click the object, see the region.",
        discussion: """
            One page with no external assets. Click patches to mark the object, shift-click to mark background; \
            the predicted region is laid over the image. A slider shows the reconstruction at a mask ratio. \
            Model calls run one at a time. Stop with Ctrl-C.
            """)

    @Option(help: "Checkpoint file, run directory (latest checkpoint) or model_final.safetensors.") var checkpoint: String
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Folder of demo images offered on the page.") var demo = "data/demo"
    @Option(name: .customLong("max-upload-mb"), help: "Largest upload accepted, in MB.") var maxUploadMB = 10.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard maxUploadMB > 0 else { throw ValidationError("--max-upload-mb must be positive") }
    }

    func run() async throws {
        let (model, source) = try ModelLoading.load(checkpoint)
        try ModelLoading.feedsImages(model, source)
        if !model.config.hasRegionBranch {
            FileHandle.standardError.write(Data("serve: \(source.path) is a plain MAE; segmentation requests will be refused, reconstruction works\n".utf8))
        }
        let folder = URL(fileURLWithPath: demo)
        let options = ServeServer.Options(host: host, port: port, maxUploadBytes: Int(maxUploadMB * 1_048_576),
                                          demoFolder: FileManager.default.fileExists(atPath: folder.path) ? folder : nil)
        let demos = ServeServer.demoNames(in: options.demoFolder).count
        try await ServeServer.run(service: SegmentationService(model: model), options: options) { [host] bound in
            FileHandle.standardOutput.write(Data("serve: model \(source.path); \(demos) demo images; open http://\(host):\(bound)/\n".utf8))
        }
    }
}
