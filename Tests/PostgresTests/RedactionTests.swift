@testable import Postgres
import Testing

/// Connection strings are read by libpq alone (`PQconninfoParse`); errors never
/// show their password.
@Suite("Connection strings and redaction")
struct RedactionTests {
    @Test("libpq reads both forms, values decoded")
    func parse() {
        #expect(ConnectionString.parse("host=h port=5 user=u password='se cret' dbname=d") == .options([
            "host": "h", "port": "5", "user": "u", "password": "se cret", "dbname": "d",
        ]))
        #expect(ConnectionString.parse("postgresql://u:p%41ss@h:5/d?sslmode=disable") == .options([
            "host": "h", "port": "5", "user": "u", "password": "pAss", "dbname": "d", "sslmode": "disable",
        ]))
        #expect(ConnectionString.parse("") == .options([:]))
        #expect(ConnectionString.parse("postgresql://u:p%zz@h/d") == .invalid(#"invalid percent-encoded token: "p%zz""#))
        guard case .invalid(let message) = ConnectionString.parse("host=h nonsense") else {
            Issue.record("a string libpq cannot read parsed")
            return
        }
        #expect(message.contains("nonsense"))
    }

    @Test("the password in the forms libpq may quote back")
    func secrets() {
        #expect(Connection.secrets(in: "") == .passwords([]))
        #expect(Connection.secrets(in: "host=h user=u") == .passwords([]))
        #expect(Connection.secrets(in: "host=h options='-c password=x'") == .passwords([]))
        #expect(Connection.secrets(in: "host=h password = 'se cret'") == .passwords(["se cret"]))
        #expect(Connection.secrets(in: "host=h password=x nonsense%zz") == .passwords([]))
        #expect(Connection.secrets(in: "postgresql://u:sekrit@h/d") == .passwords(["sekrit"]))
        #expect(Connection.secrets(in: "postgresql://u@h/d?password=a%20b") == .passwords(["a b"]))
        // libpq cannot decode it, and quotes it as written.
        #expect(Connection.secrets(in: "postgresql://u:sekrit%zz@h/d") == .passwords(["sekrit%zz"]))
        #expect(Connection.secrets(in: "postgresql://u%zz:pw@h/d") == .passwords(["pw"]))
        // libpq quotes only the option name: no password to hide.
        #expect(Connection.secrets(in: "postgresql://u:sekrit@h/d?no_such_option=1")
                == .unknown(otherProblem: #"invalid URI query parameter: "no_such_option""#))
        // Broken twice: which part libpq quotes cannot be told; the other problem is told instead.
        #expect(Connection.secrets(in: "postgresql://u:sekrit%zz@h/d?no_such_option=1")
                == .unknown(otherProblem: #"invalid URI query parameter: "no_such_option""#))
    }

    @Test("a message keeps no password and no URL")
    func redact() {
        #expect(Connection.redact(#"invalid percent-encoded token: "sekrit%zz""#, conninfo: "postgresql://u:sekrit%zz@h/d")
                == #"invalid percent-encoded token: "***""#)
        #expect(Connection.redact(#"invalid percent-encoded token: "u%zz""#, conninfo: "postgresql://u%zz:pw@h/d")
                == #"invalid percent-encoded token: "u%zz""#)
        #expect(Connection.redact(#"password "pw" and pw"#, conninfo: "host=h password=pw") == #"password "***" and pw"#)
        #expect(Connection.redact("sekrit here", conninfo: "host=h password=sekrit") == "*** here")
        let ipv6 = #"end of string reached when looking for matching "]" in IPv6 host address in URI: "#
        #expect(Connection.redact(ipv6 + #""postgresql://u:sekrit@[::1/d""#, conninfo: "postgresql://u:sekrit@[::1/d")
                == ipv6 + #""(the URL)""#)
        #expect(Connection.redact("at POSTGRES://u:x@h/d now") == "at (the URL) now")
        #expect(Connection.redact(#"invalid percent-encoded token: "sekrit%zz""#,
                                  conninfo: "postgresql://u:sekrit%zz@h/d?no_such_option=1")
                == #"invalid URI query parameter: "no_such_option""#)
    }

    @Test("a connection string libpq cannot read never shows its password",
          arguments: ["postgresql://u:sekrit%zz@127.0.0.1:1/db", "postgresql://u:sekrit%00@127.0.0.1:1/db",
                      "postgresql://u:sekrit%zz@127.0.0.1:1/db?no_such_option=1",
                      "postgresql://u@127.0.0.1:1/db?password=sekrit%zz"])
    func unreadable(conninfo: String) throws {
        let error = try #require(postgresError { _ = try Connection(conninfo) })
        #expect(error.kind == .connection)
        #expect(!error.message.isEmpty)
        #expect(!String(describing: error).contains("sekrit"), "\(error)")
    }
}
