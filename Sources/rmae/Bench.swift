import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (release build). One line per measurement as key=value pairs.",
        subcommands: [BenchEngine.self, BenchTrain.self, BenchData.self, BenchRegions.self, BenchAllreduce.self, BenchFinetune.self])
}
