import Postgres
import Testing

@Suite("PostgreSQL durations")
struct PostgresDurationTests {
    @Test("a whole number with an optional unit is a duration, kept as written",
          arguments: ["0", "200", "5s", "500ms", "250us", "2min", "1h", "7d", "5 s", "10 min", "007ms", "5 ",
                      "99999999999999999999ms"])
    func accepted(_ text: String) throws {
        let duration = try #require(PostgresDuration(text))
        #expect(duration.text == text)
        #expect(duration.description == text)
    }

    @Test("anything else is not",
          arguments: ["", " ", "s", "ms", "5x", "5 m", "5sec", "5S", "5MS", "-5s", "+5s", "1.5s", "5  s", " 5s",
                      "5s ", "5ms5", "١٢s", "5 min s", "5e3", "0x10"])
    func refused(_ text: String) {
        #expect(PostgresDuration(text) == nil)
    }

    @Test("the server takes every accepted duration as a timeout")
    func serverAccepts() throws {
        try withServerConnection { conn throws in
            for text in ["0", "200", "5s", "500ms", "250us", "2min", "1h", "7d", "5 s", "10 min"] {
                let duration = try #require(PostgresDuration(text))
                try conn.execute("SELECT set_config('lock_timeout', $1, false)", [duration.text])
            }
            try conn.execute("RESET lock_timeout")
        }
    }

    @Test("seconds are what the server makes of the text")
    func seconds() throws {
        #expect(PostgresDuration("250us")?.seconds == 0.00025)
        try withServerConnection { conn throws in
            for text in ["0", "200", "5s", "500ms", "2min", "1h", "7d", "5 s", "10 min", "5 "] {
                let duration = try #require(PostgresDuration(text))
                try conn.execute("SELECT set_config('lock_timeout', $1, false)", [duration.text])
                let milliseconds = try conn.query("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'").scalar
                #expect(duration.seconds * 1000 == milliseconds.flatMap { Double($0) }, "\(text)")
            }
            try conn.execute("RESET lock_timeout")
        }
    }
}
