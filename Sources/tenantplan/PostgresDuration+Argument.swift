import ArgumentParser
import Postgres

/// `--lock-timeout 200ms`, `--statement-timeout 5min`.
extension PostgresDuration: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
