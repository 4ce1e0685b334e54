import ArgumentParser
import Catalog

/// The connection of databases that `tenants.yaml` gives no `url`/`url_env` for.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Connection for databases without url/url_env (default: DATABASE_URL, then libpq's PG* variables).")
    var databaseURL: String?

    var resolver: ConnectionResolver { ConnectionResolver(databaseURL: databaseURL) }
}
