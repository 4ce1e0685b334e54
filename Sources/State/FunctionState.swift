/// A function, procedure or aggregate as the server renders it (see `Reflector`).
///
/// Read with `search_path` set to its own schema alone, so that the types and
/// objects of the schema come back unqualified; the few places where the
/// server writes the schema's name whatever the path (the head of
/// `pg_get_functiondef`, a `SET search_path` captured `FROM CURRENT`) are
/// neutralised (`FunctionState.schemaPlaceholder`), so that two tenants with
/// the same function, and the scratch schema of the desired state, compare equal.
public struct FunctionState: Sendable, Equatable, Codable {
    /// What stands for the schema's own name in a `SET search_path` of a definition.
    public static let schemaPlaceholder = "{tenant}"

    public var name: String
    /// `pg_get_function_identity_arguments`: `a integer, b text`; names the
    /// routine in `DROP` and `COMMENT` (with the name).
    public var arguments: String
    public var kind: Kind
    /// `pg_get_function_result`: `trigger`, `TABLE(id bigint)`; nil for a procedure.
    public var result: String?
    /// `pg_get_functiondef`, with its head unqualified (`CREATE OR REPLACE FUNCTION name(`);
    /// for an aggregate, the server's text of its `pg_aggregate` row
    /// (`Reflector.aggregateDefinition`), one field a line.
    public var definition: String
    public var comment: String?

    public init(name: String, arguments: String, kind: Kind = .function, result: String? = nil, definition: String,
                comment: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.kind = kind
        self.result = result
        self.definition = definition
        self.comment = comment
    }

    /// What the routine is, as `pg_proc.prokind` says (its raw value).
    public enum Kind: String, Sendable, Equatable, Codable {
        case function = "f", procedure = "p", aggregate = "a", window = "w"

        /// The word `DROP` and `ALTER` take for it (a window function is a function).
        public var keyword: String {
            switch self {
            case .function, .window: "FUNCTION"
            case .procedure: "PROCEDURE"
            case .aggregate: "AGGREGATE"
            }
        }
    }

    /// `name(a integer, b text)`: the key functions are compared by (PostgreSQL
    /// keeps functions per schema and signature).
    public var signature: String { "\(name)(\(arguments))" }

    /// An aggregate's first line: name, arguments, kind (normal, ordered-set,
    /// hypothetical-set) and number of direct arguments, which `CREATE OR
    /// REPLACE AGGREGATE` cannot change. Nil for other routines.
    public var aggregateHead: String? {
        kind == .aggregate ? String(definition.prefix { $0 != "\n" }) : nil
    }
}

/// A table's trigger: `pg_get_triggerdef(oid, true)` under the schema's own path.
public struct TriggerState: Sendable, Equatable, Codable {
    public var name: String
    /// The whole `CREATE TRIGGER ...` statement, table and function unqualified.
    public var definition: String
    public var comment: String?
    /// The trigger's function, as the definition names it (unqualified for the
    /// schema's own): dropping or re-creating that function drops the trigger.
    public var function: String
    /// `pg_trigger.tgenabled` when it is not `O` (fires, the default): `D`
    /// disabled, `R` replica only, `A` always. Not in `pg_get_triggerdef`; a
    /// trigger disabled by hand is drift.
    public var enabled: String?

    public init(name: String, definition: String, comment: String? = nil, function: String, enabled: String? = nil) {
        self.name = name
        self.definition = definition
        self.comment = comment
        self.function = function
        self.enabled = enabled
    }
}
