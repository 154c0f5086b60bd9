/// Why an image file could not be turned into an ``Regions/RGBImage``; always names the file.
public struct ImageDecodingError: Error, CustomStringConvertible, Equatable {
    /// The file (path as given) or buffer name.
    public var file: String
    /// What went wrong, e.g. libjpeg's or libpng's message.
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
