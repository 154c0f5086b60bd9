import ArgumentParser
import Engine

struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "sgemm throughput and ViT block forward+backward time.")
    func run() throws { print("todo") }
}
