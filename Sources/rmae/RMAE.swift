import ArgumentParser

@main
struct RMAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmae",
        abstract: "R-MAE (Regions Meet Masked Autoencoders) in Swift: pre-train Vision Transformers from images and their regions.",
        subcommands: [Bench.self, RegionsCommand.self])
}
