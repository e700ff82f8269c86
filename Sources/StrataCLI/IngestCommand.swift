import ArgumentParser
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Load CSV or NDJSON files (plain, .gz, .zst, or - for stdin) into a table in one atomic batch.")
    @OptionGroup var storeOption: StoreOption
    @Argument var table: String
    @Argument var files: [String]

    func run() throws {
        Exit.fail("error: ingest is being wired to the loader", code: 3)
    }
}
