import Postgres
import State

extension Reflector {
    /// Which schema of a batch each table, sequence and enum belongs to, and the
    /// oids the batch queries read. A schema is its position in the batch's list
    /// of present schemas.
    struct Owners {
        /// Table, sequence or view oid (`pg_class`) -> schema.
        var ofClass: [String: Int] = [:]
        /// Views (not materialized ones): their triggers are read with the tables'.
        var viewOIDs: [String] = []
        /// Enum type oid (`pg_type`) -> schema: oids are unique per catalog.
        var ofEnum: [String: Int] = [:]
        var tableOIDs: [String] = []
        /// Tables and sequences.
        var classOIDs: [String] = []
        var enumOIDs: [String] = []
        /// Routine oid (`pg_proc`) -> schema.
        var ofRoutine: [String: Int] = [:]
        var routineOIDs: [String] = []
        // MARK: Domains
        /// Domain oid (`pg_type`) -> schema.
        var ofDomain: [String: Int] = [:]
        var domainOIDs: [String] = []
        // MARK: Composite types
        /// Composite type oid (`pg_type`, the schema's member) -> schema.
        var ofComposite: [String: Int] = [:]
        var compositeOIDs: [String] = []
        /// The present schemas' names, in batch order.
        var schemaNames: [String] = []

        init(_ present: [Members]) {
            schemaNames = present.map(\.schema)
            for (schema, m) in present.enumerated() {
                for c in m.classes where Reflector.isTable(c.kind) || c.kind == "S" {
                    ofClass[c.oid] = schema
                    classOIDs.append(c.oid)
                    if Reflector.isTable(c.kind) { tableOIDs.append(c.oid) }
                }
                for t in m.types where t.kind == "c" {
                    ofComposite[t.oid] = schema
                    compositeOIDs.append(t.oid)
                }
                for c in m.classes where c.kind == "v" {
                    ofClass[c.oid] = schema
                    viewOIDs.append(c.oid)
                }
                for t in m.types where t.kind == "e" {
                    ofEnum[t.oid] = schema
                    enumOIDs.append(t.oid)
                }
                for t in m.types where t.kind == "d" {
                    ofDomain[t.oid] = schema
                    domainOIDs.append(t.oid)
                }
                for r in m.routines {
                    ofRoutine[r.oid] = schema
                    routineOIDs.append(r.oid)
                }
            }
        }
    }

    /// The decoded rows of one batch's catalog queries, and the texts read again
    /// with each schema on the path (see `LocalItems`).
    struct BatchRows {
        var columns: [ColumnRow]
        var constraints: [ConstraintRow]
        var indexes: [IndexRow]
        var enumLabels: [EnumLabelRow]
        var comments: [CommentRow]
        var routines: [RoutineRow]
        var triggers: [TriggerRow]
        var tableProperties: [TablePropertyRow]
        var tableShapes: [TableShapeRow]
        // MARK: Domains
        var domains: [DomainRow]
        var domainChecks: [DomainCheckRow]
        // Row-level security, policies and grants.
        var policies: [PolicyRow]
        var tableSecurity: [TableSecurityRow]
        var schemaSecurity: [SchemaSecurityRow]
        // MARK: Sequences
        var sequences: [SequenceRow]
        // MARK: Composite types
        var compositeAttributes: [CompositeAttributeRow]
        // MARK: Enums' and composite types' comments
        var typeComments: [TypeCommentRow]
        /// Re-read texts, keyed `c/oid` (constraint), `d/oid` (default),
        /// `i/oid` (index), `t/rel/attnum` (column type), `l/rel/attnum` (collation),
        /// and routines' and triggers' texts (see `Reflector.routineTextsQuery`).
        var local: [String: String] = [:]

        /// The prepared statements that read the rows, in the order `init` takes
        /// their results.
        static func statements(for owners: Owners) -> [PipelineStatement] {
            // A query about objects the batch has none of is not sent as itself:
            // planning it is what it would cost (a new tenant's `CREATE SCHEMA`
            // makes the server plan every prepared statement again), and it
            // would return no row.
            func read(_ query: String, _ oids: [String], _ name: String) -> PipelineStatement {
                oids.isEmpty ? PipelineStatement("SELECT WHERE false") : PipelineStatement(query, [arrayLiteral(oids)], prepared: name)
            }
            return [
                read(ColumnRow.query, owners.tableOIDs, "tenantplan_columns"),
                read(ConstraintRow.query, owners.tableOIDs, "tenantplan_constraints"),
                read(IndexRow.query, owners.tableOIDs, "tenantplan_indexes"),
                read(EnumLabelRow.query, owners.enumOIDs, "tenantplan_enums"),
                read(CommentRow.query, owners.tableOIDs, "tenantplan_comments"),
                read(RoutineRow.query, owners.routineOIDs, "tenantplan_routines"),
                read(TriggerRow.query, owners.tableOIDs + owners.viewOIDs, "tenantplan_triggers"),
                read(TablePropertyRow.query, owners.tableOIDs, "tenantplan_table_properties"),
                // MARK: Domains
                read(DomainRow.query, owners.domainOIDs, "tenantplan_domains"),
                read(DomainCheckRow.query, owners.domainOIDs, "tenantplan_domain_checks"),
                read(PolicyRow.query, owners.tableOIDs, "tenantplan_policies"),
                read(TableSecurityRow.query, owners.tableOIDs, "tenantplan_table_security"),
                read(SchemaSecurityRow.query, owners.schemaNames, "tenantplan_schema_security"),
                read(TableShapeRow.query, owners.tableOIDs, "tenantplan_table_shapes"),
                // MARK: Sequences
                read(SequenceRow.query, owners.classOIDs, "tenantplan_sequences"),
                // MARK: Composite types
                read(CompositeAttributeRow.query, owners.compositeOIDs, "tenantplan_composite_attributes"),
                // MARK: Enums' and composite types' comments
                read(TypeCommentRow.query, owners.enumOIDs + owners.compositeOIDs, "tenantplan_type_comments"),
            ]
        }

        /// Decodes the results of `statements(for:)`, which `results` begins with.
        init(_ results: [QueryResult]) throws {
            columns = try results[0].decode()
            constraints = try results[1].decode()
            indexes = try results[2].decode()
            enumLabels = try results[3].decode()
            comments = try results[4].decode()
            routines = try results[5].decode()
            triggers = try results[6].decode()
            tableProperties = try results[7].decode()
            domains = try results[8].decode()
            domainChecks = try results[9].decode()
            policies = try results[10].decode()
            tableSecurity = try results[11].decode()
            schemaSecurity = try results[12].decode()
            tableShapes = try results[13].decode()
            sequences = try results[14].decode()
            compositeAttributes = try results[15].decode()
            typeComments = try results[16].decode()
        }

        /// Each schema's stamp lines from these rows, by position in the batch
        /// (members' lines come with `Members`).
        func stampLines(_ owners: Owners, schemas: Int) -> [[String]] {
            var lines: [[String]] = Array(repeating: [], count: schemas)
            func add(_ key: String, _ line: String, owners: [String: Int] = owners.ofClass) {
                if let schema = owners[key] { lines[schema].append(line) }
            }
            for row in columns {
                add(row.table, Stamp.column(table: row.table, attnum: row.attnum, version: row.version,
                                            defaultOID: row.defaultOID, defaultVersion: row.defaultVersion))
            }
            for row in constraints {
                add(row.table, Stamp.constraint(oid: row.oid, version: row.version, commentVersion: row.commentVersion))
            }
            for row in indexes {
                add(row.table, Stamp.index(oid: row.oid, version: row.version, classVersion: row.classVersion,
                                           commentVersion: row.commentVersion))
            }
            for row in sequences {
                guard let table = row.ownerTableOID, let attnum = row.ownerAttnum, let dependency = row.dependency else { continue }
                add(row.oid, Stamp.ownedSequence(oid: row.oid, owner: table, attnum: attnum, type: dependency, version: row.version))
            }
            for row in enumLabels {
                add(row.type, Stamp.label(oid: row.oid, version: row.version), owners: owners.ofEnum)
            }
            for row in typeComments {
                // An enum's or a composite type's: the oid is among one of the two.
                add(row.oid, Stamp.typeComment(oid: row.oid, version: row.version), owners: owners.ofEnum)
                add(row.oid, Stamp.typeComment(oid: row.oid, version: row.version), owners: owners.ofComposite)
            }
            for row in comments {
                add(row.table, Stamp.comment(oid: row.table, attnum: row.subid, version: row.version))
            }
            for row in triggers {
                add(row.table, Stamp.trigger(oid: row.oid, version: row.version, commentVersion: row.commentVersion))
            }
            for row in policies {
                add(row.table, Stamp.policy(oid: row.oid, version: row.version, commentVersion: row.commentVersion))
            }
            let schemaIndex = Dictionary(owners.schemaNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for row in schemaSecurity {
                guard let oid = row.oid, let version = row.version, let i = schemaIndex[row.schema] else { continue }
                lines[i].append(Stamp.defaultACL(oid: oid, version: version))
            }
            for row in routines {
                if let version = row.aggregateVersion {
                    add(row.oid, Stamp.aggregate(oid: row.oid, version: version), owners: owners.ofRoutine)
                }
                guard let version = row.commentVersion else { continue }
                add(row.oid, Stamp.routineComment(oid: row.oid, version: version), owners: owners.ofRoutine)
            }
            // Domains: their checks and comments (the pg_type row is a member's).
            for row in domainChecks {
                add(row.domain, Stamp.constraint(oid: row.oid, version: row.version), owners: owners.ofDomain)
            }
            for row in domains {
                guard let version = row.commentVersion else { continue }
                add(row.oid, Stamp.typeComment(oid: row.oid, version: version), owners: owners.ofDomain)
            }
            // Sequences: their options and comments (the pg_class row is a member's).
            for row in sequences {
                add(row.oid, Stamp.sequence(oid: row.oid, version: row.version, commentVersion: row.commentVersion))
            }
            // Composite types: their attributes and comments (the pg_class row is a member's).
            for row in compositeAttributes {
                add(row.compositeType, Stamp.attribute(relation: row.relation, attnum: row.attnum, version: row.version),
                    owners: owners.ofComposite)
            }
            return lines
        }
    }
}
