import Data
import Engine
import Foundation
import Models
import Testing
import TestSupport
import Training

/// Every parser rmae has, fed deterministic mutations of valid inputs (and hand-made attacks: overflowing
/// shapes, 10,000-deep nesting, alias bombs) in a child process, `rmae-fuzz`: each input must give a value
/// or an error, never a trap (the child dies) or a hang (the child stops answering). A trap is pinned to
/// the input whose result line never came; the batch then goes on after it.
@Suite(.serialized) struct FuzzTests {
    /// What one format's batch did.
    struct Counts: CustomStringConvertible {
        var tried = 0, accepted = 0, rejected = 0
        var trapped: [String] = [], hung: [String] = [], serverErrors: [String] = []
        var description: String {
            "tried \(tried), accepted \(accepted), rejected \(rejected), trapped \(trapped.count), hung \(hung.count)"
                + (serverErrors.isEmpty ? "" : ", 5xx \(serverErrors.count)")
        }
    }

    static var fuzzer: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rmae-fuzz")
    }

    /// Writes the inputs to a fresh folder and runs them through `rmae-fuzz FORMAT`. The child keeps its
    /// own stall limit (`RMAE_FUZZ_STALL`: an input that gives no line within `stall` seconds ends it with
    /// SIGALRM) and runs without Swift's backtracer, so a trap ends it at once; the verdict, trap or hang, is
    /// read from its exit status alone. The harness waits for that status however long it takes (a
    /// last-resort kill after `stall` × 20 s of silence, for a child whose alarm never fired, counts as a hang).
    static func run(_ format: String, _ inputs: [[UInt8]], stall: Double = 30) throws -> Counts {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-fuzz-\(format)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try inputs.enumerated().map { i, bytes in
            let url = folder.appendingPathComponent(String(format: "case%05d", i))
            try Foundation.Data(bytes).write(to: url)
            return url.path
        }
        var counts = Counts()
        counts.tried = files.count
        var remaining = files[...]
        let environment = ["SWIFT_BACKTRACE=enable=no", "RMAE_FUZZ_STALL=\(max(1, Int(stall.rounded(.up))))"]
        while !remaining.isEmpty {
            let log = folder.appendingPathComponent("results-\(remaining.startIndex).txt")
            // posix_spawn and waitpid, not Foundation's Process: its exit monitoring runs on dispatch queues
            // that a busy test process can starve, leaving a dead child unreaped and its waiter blocked.
            guard let pid = spawn(fuzzer.path, [format] + remaining, stdout: log.path, environment: environment) else {
                Issue.record("cannot start \(fuzzer.path)")
                return counts
            }
            var seen = 0, lastChange = Date(), killed = false, status: Int32 = 0
            while waitpid(pid, &status, WNOHANG) == 0 {
                usleep(20_000)
                let n = (try? Foundation.Data(contentsOf: log))?.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } ?? 0
                if n != seen { (seen, lastChange) = (n, Date()) } else if Date().timeIntervalSince(lastChange) > stall * 20 {
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                    killed = true
                    break
                }
            }
            let signal = status & 0x7F, exitCode = (status >> 8) & 0xFF
            let failed = signal != 0 || exitCode != 0
            let stalled = killed || signal == SIGALRM
            let text = String(decoding: try Foundation.Data(contentsOf: log), as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()      // the piece after the last newline: empty, or a line cut off by the trap
            for line in lines {
                if line.hasPrefix("accepted ") { counts.accepted += 1 }
                else if line.hasPrefix("rejected ") { counts.rejected += 1 }
                else if line.hasPrefix("server-error ") { counts.serverErrors.append(String(line)) }
                else if line.hasPrefix("hung ") { counts.hung.append(String(line)) }
            }
            let done = lines.count
            if done >= remaining.count {
                if failed && !stalled { counts.trapped.append("exit status \(exitCode), signal \(signal) after the last input") }
                break
            }
            let culprit = remaining[remaining.startIndex + done]
            let kept = folder.deletingLastPathComponent().appendingPathComponent("rmae-fuzz-\(format)-culprit-\(done)")
            try? FileManager.default.removeItem(at: kept)
            try? FileManager.default.copyItem(at: URL(fileURLWithPath: culprit), to: kept)
            if stalled { counts.hung.append("\(culprit) (copied to \(kept.path))") } else {
                counts.trapped.append("\(culprit) (signal \(signal), exit status \(exitCode), copied to \(kept.path))")
            }
            remaining = remaining.dropFirst(done + 1)
        }
        print("fuzz \(format): \(counts)")
        return counts
    }

    /// Starts `path` with `arguments` and this process's environment plus `environment` (`NAME=value`
    /// entries, which win), standard output to the file `stdout`, standard error discarded.
    static func spawn(_ path: String, _ arguments: [String], stdout: String, environment: [String] = []) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let names = Set(environment.map { $0.prefix { $0 != "=" } })
        var inherited: [String] = []
        var entry = environ
        while let e = entry.pointee {
            let text = String(cString: e)
            if !names.contains(text.prefix { $0 != "=" }) { inherited.append(text) }
            entry += 1
        }
        let envp: [UnsafeMutablePointer<CChar>?] = (inherited + environment).map { strdup($0) } + [nil]
        defer { for e in envp { free(e) } }
        var pid: pid_t = 0
        return posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 ? pid : nil
    }

    static func check(_ format: String, _ inputs: [[UInt8]], stall: Double = 30) throws {
        try #require(FileManager.default.isExecutableFile(atPath: fuzzer.path), "build rmae-fuzz first: \(fuzzer.path)")
        let counts = try run(format, inputs, stall: stall)
        #expect(counts.trapped.isEmpty, "\(format): inputs that trapped: \(counts.trapped)")
        #expect(counts.hung.isEmpty, "\(format): inputs that hung: \(counts.hung)")
        #expect(counts.serverErrors.isEmpty, "\(format): 5xx answers: \(counts.serverErrors)")
        #expect(counts.accepted + counts.rejected == counts.tried - counts.trapped.count - counts.hung.count - counts.serverErrors.count)
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    static let npyMagic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The harness itself: a trap and a hang are pinned to their inputs and the batch goes on after each.
    @Test func harnessPinsTrapsAndHangsOnTheirInputs() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.fuzzer.path), "build rmae-fuzz first: \(Self.fuzzer.path)")
        let counts = try Self.run("selftest", ["a", "trap", "b", "hang", "c"].map(Self.bytes), stall: 3)
        #expect(counts.tried == 5 && counts.accepted == 3 && counts.rejected == 0)
        #expect(counts.trapped.count == 1 && counts.trapped[0].contains("case00001"))
        #expect(counts.hung.count == 1 && counts.hung[0].contains("case00003"))
        #expect(counts.trapped.first?.contains("signal \(SIGALRM)") != true, "a trap read as the stall alarm: \(counts.trapped)")
    }

    // MARK: - Formats

    @Test func safetensors() throws {
        var rng = RandomGenerator(seed: 1, stream: .test)
        let valid = try SafeTensors.encode(["a": Tensor.normal([2, 3], using: &rng), "b.weight": Tensor.normal([4], using: &rng)],
                                           metadata: ["format": "x", "config": "{\"img_size\": 32}"])
        let header = { (json: String) -> [UInt8] in
            var length = UInt64(json.utf8.count).littleEndian
            return withUnsafeBytes(of: &length) { Array($0) } + Array(json.utf8) + [UInt8](repeating: 0, count: 16)
        }
        let attacks = [
            header(#"{"t": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}"#),
            header(#"{"t": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 16]}}"#),
            header(#"{"t": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 16]}}"#),
            header(#"{"t": {"dtype": "F64", "shape": [2], "data_offsets": [0, 9223372036854775807]}}"#),
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B],
        ]
        var mutator = Mutator(seed: 11)
        try Self.check("safetensors", attacks + [[UInt8](valid)] + mutator.mutants(of: [[UInt8](valid)], count: 3000))
    }

    @Test func npy() throws {
        let seeds = [NPYArray(shape: [2, 3, 4], uint8: (0..<24).map { UInt8($0) }).encoded(),
                     NPYArray(shape: [3, 2], uint16: [1, 2, 300, 4, 5, 6]).encoded(),
                     NPYArray(shape: [2], int32: [-1, 7]).encoded(),
                     NPYArray(shape: [1, 2, 2], float32: [0.5, 1, 2, 3]).encoded()]
        let attack = { (shape: String) -> [UInt8] in
            var dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(shape)), }"
            dict += String(repeating: " ", count: (64 - (10 + dict.utf8.count + 1) % 64) % 64) + "\n"
            let n = dict.utf8.count
            return Self.npyMagic + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(dict.utf8) + [1, 2, 3, 4]
        }
        let attacks = [attack("4611686018427387904, 4"), attack("3037000500, 3037000500, 4"), attack("-1, 4"),
                       attack("99999999999999999999999,"), Self.npyMagic + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F]]
        var mutator = Mutator(seed: 12)
        try Self.check("npy", attacks + seeds + mutator.mutants(of: seeds, count: 3000))
    }

    @Test func yamlConfiguration() throws {
        let full = Self.bytes(try TrainingConfig(preset: "vit-tiny").yaml())
        let small = Self.bytes("preset: demo\nmodel:\n  num_region: 4\n  variant: channel\nblr: 1.0e-4\nsteps: 10\nclip_grad: 1.0\n")
        let flow = Self.bytes("{preset: demo, model: {num_heads: 3, embed_dim: 192}, batch_size: 8}\n")
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + (1...9).map { i in
            "\(Character(UnicodeScalar(97 + i)!)): &\(Character(UnicodeScalar(97 + i)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + i)!))", count: 10).joined(separator: ", ") + "]"
        }.joined(separator: "\n") + "\nmodel: *j\n"
        let attacks = [
            Self.bytes((0..<1_000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"),
            Self.bytes("model: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"),
            Self.bytes(String(repeating: "- ", count: 10_000) + "x\n"),
            Self.bytes(bomb),
            Self.bytes("model:\n  num_heads: 0\n"), Self.bytes("model:\n  depth: -3\n"), Self.bytes("model:\n  mlp_ratio: 0\n"),
            Self.bytes("model:\n  img_size: 4611686018427387904\n"), Self.bytes("accum_iter: 9223372036854775807\n"),
            Self.bytes("num_workers: 100000000\n"), Self.bytes("beta2: 1.5\n"), Self.bytes("lr: .nan\n"), Self.bytes("blr: -1\n"),
            Self.bytes("model: 5\n"), Self.bytes("preset: vit-gigantic\n"), Self.bytes("batch_size: 8\nbatch_size: 9\n"),
            Self.bytes("bach_size: 8\n"), Self.bytes("model:\n  num_head: 3\n"),
        ]
        var mutator = Mutator(seed: 13)
        try Self.check("yaml", attacks + [full, small, flow] + mutator.mutants(of: [full, small, flow], count: 2000))
    }

    @Test func overrides() throws {
        let seeds = [Self.bytes("blr=1e-4\nmodel.num_heads=3\nbatch_size=8\n"),
                     Self.bytes("preset=vit-small\nmodel.num_region=4\nsteps=10\nwarmup_steps=2\nbeta2=0.99\n"),
                     Self.bytes("model.variant=batch\nmodel.feeding=two_way\nclip_grad=0.5\nlr=0.001\n")]
        let attacks = ["model.num_heads=0", "accum_iter=9223372036854775807", "num_workers=100000000", "lr=.nan",
                       "model.depth=-1", "model.embed_dim=4611686018427387904", "x=" + String(repeating: "[", count: 10_000),
                       "weight_decay=-1", "model.in_chans=0", "batch_size=", "=3", "model.=3", "model.depth.x=3"].map(Self.bytes)
        var mutator = Mutator(seed: 14)
        try Self.check("overrides", attacks + seeds + mutator.mutants(of: seeds, count: 2000))
    }

    @Test func cocoAnnotations() throws {
        var labels = [Int32](repeating: 0, count: 40 * 30)
        for y in 5..<20 { for x in 8..<30 { labels[y * 40 + x] = 1 } }
        for y in 10..<28 { for x in 0..<12 { labels[y * 40 + x] = 2 } }
        let compressed = COCOAnnotations.compressedCounts(labels: labels, width: 40, height: 30)
        let rle = compressed.map { #"{"id": \#($0.label), "image_id": 1, "segmentation": {"size": [30, 40], "counts": "\#($0.counts)"}}"# }
        let seed = """
        {"images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30}, {"id": 2, "file_name": "b.png", "width": 24, "height": 36}],
         "annotations": [\(rle.joined(separator: ", ")),
          {"id": 7, "image_id": 1, "segmentation": {"size": [30, 40], "counts": [100, 50, 1050]}},
          {"id": 8, "image_id": 2, "segmentation": [[2.5, 3, 20, 4, 18, 30, 1, 25.5]]},
          {"id": 9, "image_id": 2, "segmentation": [[0, 0, 23, 0, 23, 35], [5, 5, 10, 5, 10, 10]]}]}
        """
        let sa1b = #"{"image": {"image_id": 3, "file_name": "b.png", "width": 24, "height": 36}, "annotations": [{"id": 1, "segmentation": {"size": [36, 24], "counts": [0, 100, 764]}}]}"#
        let attack = { (segmentation: String) -> [UInt8] in
            Self.bytes(#"{"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"id": 1, "image_id": 1, "segmentation": \#(segmentation)}]}"#)
        }
        let attacks = [attack(#"{"size": [4611686018427387904, 4], "counts": [1]}"#),
                       attack(#"{"size": [30, 40], "counts": [9223372036854775807, 9223372036854775807, 5]}"#),
                       attack(#"{"size": [30, 40], "counts": [1199, 9223372036854775807]}"#),
                       attack(#"{"size": [30, 40], "counts": "\#(String(repeating: "o", count: 40))"}"#),
                       attack(#"{"size": [30, 40], "counts": "\#(String(repeating: "ooooooooooo0", count: 20))"}"#),
                       attack(#"{"size": [20000, 20000], "counts": [400000000]}"#),
                       attack(#"[[1e300, 1e300, -1e300, 5, 3, 3]]"#), attack(#"[[1, 2, 3]]"#)]
        var mutator = Mutator(seed: 15)
        try Self.check("coco", attacks + [Self.bytes(seed), Self.bytes(sa1b)] + mutator.mutants(of: [Self.bytes(seed), Self.bytes(sa1b)], count: 1500))
    }

    @Test func images() throws {
        let (w, h) = (24, 16)
        let rgb = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let grey = (0..<(w * h)).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        let seeds = [PNG.encode(pixels: rgb, width: w, height: h, channels: 3), PNG.encode(pixels: grey, width: w, height: h, channels: 1),
                     JPEG.encode(pixels: rgb, width: w, height: h, channels: 3, quality: 80),
                     JPEG.encode(pixels: rgb, width: w, height: h, channels: 3, progressive: true),
                     JPEG.encode(pixels: grey, width: w, height: h, channels: 1)]
        let attacks = [ImageAttacks.png(seeds[0], width: 20000, height: 20000), ImageAttacks.png(seeds[0], width: 65535, height: 65535),
                       ImageAttacks.jpeg(seeds[2], width: 20000, height: 20000), ImageAttacks.jpeg(seeds[3], width: 65535, height: 65535)]
        var mutator = Mutator(seed: 16)
        try Self.check("image", attacks + seeds + mutator.mutants(of: seeds, count: 2000))
    }

    @Test func checkpoints() throws {
        var rng = RandomGenerator(seed: 2, stream: .test)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-fuzz-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("step_00000003.safetensors")
        let t = { (shape: [Int]) in Tensor.normal(shape, using: &rng) }
        try Checkpoint(step: 3, parameters: ["w": t([4, 4]), "b": t([4])], firstMoment: ["w": t([4, 4]), "b": t([4])],
                       secondMoment: ["w": Tensor.uniform([4, 4], using: &rng), "b": Tensor.uniform([4], using: &rng)], adamStep: 3,
                       dataPosition: #"{"epoch":0,"batch":3}"#, config: TrainingConfig()).write(to: url)
        let valid = [UInt8](try Foundation.Data(contentsOf: url))
        var mutator = Mutator(seed: 17)
        try Self.check("checkpoint", [valid] + mutator.mutants(of: [valid], count: 1000))
    }

    @Test func serveRequests() throws {
        let photo = PNG.encode(pixels: [UInt8](repeating: 90, count: 16 * 16 * 3), width: 16, height: 16, channels: 3)
        let upload = Self.bytes("POST /images HTTP/1.1\r\nHost: x\r\nContent-Length: \(photo.count)\r\n\r\n") + photo
        let seeds = [Self.bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Self.bytes("GET /demo HTTP/1.1\r\nHost: x\r\n\r\n"), upload,
                     Self.bytes("GET /images/IMAGEID/segment?object=1,2&background=9&threshold=0.5 HTTP/1.1\r\nHost: x\r\n\r\n"),
                     Self.bytes("GET /images/IMAGEID/reconstruct?ratio=0.75&seed=3 HTTP/1.1\r\nHost: x\r\n\r\n"),
                     Self.bytes("GET /images/IMAGEID/view HTTP/1.1\r\nHost: x\r\n\r\n")]
        let big = ImageAttacks.png(photo, width: 16000, height: 16000)
        let attacks = [Self.bytes("GET /\r\n"), Self.bytes("GET / HTTP/1.1\r\nHost: x\r\n"),
                       Self.bytes("POST /images HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n") + big,
                       Self.bytes("POST /images HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\n\r\nabc"),
                       Self.bytes("GET /images/IMAGEID/segment?object=-1,99999999999999999999&threshold=nan HTTP/1.1\r\nHost: x\r\n\r\n"),
                       Self.bytes("GET /images/IMAGEID/reconstruct?ratio=1e308&seed=-1 HTTP/1.1\r\nHost: x\r\n\r\n")]
        var mutator = Mutator(seed: 18)
        try Self.check("http", attacks + seeds + mutator.mutants(of: seeds, count: 400), stall: 90)
    }
}
