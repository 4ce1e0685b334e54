import SQLSyntax
import State

// MARK: - Building the declaration

extension Importer {
    struct Built {
        var declaration: Declaration
        var skipped: [ImportNote] = []
        var caveats: [ImportNote] = []
    }

    /// The declaration that reproduces `catalog`, and what it leaves out. Pure.
    static func build(_ catalog: Catalog, file: String) -> Built {
        var built = Built(declaration: Declaration(file: file))
        built.declaration.enums = catalog.enums.map {
            EnumDeclaration(name: $0.name, values: $0.labels, comment: $0.comment)
        }
        buildFunctions(catalog.functions, tenant: catalog.schema, into: &built)
        buildViews(catalog.views, indexes: catalog.viewIndexes, triggers: catalog.viewTriggers,
                   functions: Set(built.declaration.functions.map(\.name)), into: &built)
        buildDomains(catalog.domains, into: &built)
        buildCompositeTypes(catalog.compositeTypes, into: &built)
        let domainNames = Set(built.declaration.domains.map(\.name))
        let compositeNames = Set(built.declaration.compositeTypes.map(\.name))
        let functions = Set(built.declaration.functions.map(\.name))
        let enumNames = Set(catalog.enums.map(\.name))

        // Tables first, without foreign keys: those need every table's keys.
        var included: [Table] = []
        let tableNames = Set(catalog.tables.map(\.name))
        for table in catalog.tables {
            // Partitions of a partitioned table of the schema are declared with it.
            if table.kind == "r", let parent = table.parent, tableNames.contains(parent) {
                continue
            }
            if table.isPartition {
                built.skipped.append(ImportNote(
                    object: "table \(table.name)",
                    reason: table.kind == "p"
                        ? "a partition that is partitioned itself; schema.yaml declares one level of partitions"
                        : "a partition of a table of another schema"))
                continue
            }
            if table.columns.isEmpty {
                built.skipped.append(ImportNote(object: "table \(table.name)",
                                                reason: "it has no columns; schema.yaml tables need at least one"))
                continue
            }
            let unsupported = table.columns.filter {
                $0.typeInTenant && !($0.typeKind == "e" && enumNames.contains($0.elementTypeName))
                    && !($0.typeKind == "d" && domainNames.contains($0.elementTypeName))
                    && !($0.typeKind == "c" && compositeNames.contains($0.elementTypeName))
            }
            if let column = unsupported.first {
                built.skipped.append(ImportNote(
                    object: "table \(table.name)",
                    reason: "column \(column.name) has type \(column.type), a \(typeKindName(column.typeKind)) of the tenant "
                        + "schema; schema.yaml can only declare enums, domains and composite types"))
                continue
            }
            if table.inherits {
                built.caveats.append(ImportNote(
                    object: "table \(table.name)",
                    reason: "it inherits from another table; imported as a plain table with all its columns"))
            }
            var declared = buildTable(table, into: &built)
            declared.unlogged = table.unlogged
            declared.partitionBy = table.partitionKey
            declared.partitions = table.partitions.map { PartitionDeclaration(name: $0.name, bound: $0.bound) }
            for trigger in table.triggers {
                switch buildTrigger(trigger, declared: functions) {
                case .success(let t): declared.triggers.append(t)
                case .failure(let reason):
                    built.skipped.append(ImportNote(object: "trigger \(trigger.name) on \(table.name)", reason: reason.text))
                }
            }
            built.declaration.tables.append(declared)
            included.append(table)
        }

        // Foreign keys, once every table and key is known.
        for (t, table) in included.enumerated() {
            for constraint in table.constraints where constraint.kind == "f" {
                let object = "foreign key \(constraint.name) on \(table.name)"
                if let reason = foreignKeyProblem(constraint, declaration: built.declaration) {
                    built.skipped.append(ImportNote(object: object, reason: reason))
                    continue
                }
                built.declaration.tables[t].foreignKeys.append(ForeignKeyDeclaration(
                    name: constraint.name, columns: constraint.columns,
                    referencedSchema: constraint.referencedInTenant ? nil : constraint.referencedSchema,
                    referencedTable: constraint.referencedTable ?? "",
                    referencedColumns: constraint.referencedColumns,
                    onDelete: referentialAction(constraint.onDelete),
                    onUpdate: referentialAction(constraint.onUpdate),
                    timing: ConstraintTiming.split(constraint.definition).timing, comment: constraint.comment))
            }
        }
        // Sequences once the tables are known: owned_by names one of their columns.
        buildSequences(catalog.sequences, into: &built)
        return built
    }

    static func buildTable(_ table: Table, into built: inout Built) -> TableDeclaration {
        var declaration = TableDeclaration(name: table.name, columns: [], comment: table.comment)
        for column in table.columns {
            declaration.columns.append(buildColumn(column, table: table.name, into: &built))
        }

        for constraint in table.constraints {
            let object = "\(constraintKindName(constraint.kind)) \(constraint.name) on \(table.name)"
            func skip(_ reason: String) { built.skipped.append(ImportNote(object: object, reason: reason)) }
            if !constraint.uses.isEmpty {
                skip("it uses \(constraint.uses.sorted().joined(separator: ", ")) of the tenant schema, which schema.yaml cannot declare")
                continue
            }
            switch constraint.kind {
            case "p", "u":
                let (definition, timing) = ConstraintTiming.split(constraint.definition)
                let keyword = constraint.kind == "p" ? "PRIMARY KEY" : "UNIQUE"
                let columns = "(\(constraint.quotedColumns.joined(separator: ", ")))"
                let nullsNotDistinct = constraint.kind == "u" && definition == "UNIQUE NULLS NOT DISTINCT \(columns)"
                guard definition == "\(keyword) \(columns)" || nullsNotDistinct else {
                    skip("schema.yaml cannot express its definition: \(constraint.definition)")
                    continue
                }
                let key = KeyDeclaration(name: constraint.name, columns: constraint.columns, timing: timing,
                                         nullsNotDistinct: nullsNotDistinct, comment: constraint.comment)
                if constraint.kind == "p" { declaration.primaryKey = key } else { declaration.uniques.append(key) }
            case "c":
                let prefix = "CHECK ("
                guard constraint.definition.hasPrefix(prefix), constraint.definition.hasSuffix(")") else {
                    skip("schema.yaml cannot express its definition: \(constraint.definition)")
                    continue
                }
                let expression = String(constraint.definition.dropFirst(prefix.count).dropLast())
                declaration.checks.append(CheckDeclaration(name: constraint.name, expression: expression,
                                                           comment: constraint.comment))
            case "x":
                guard let exclusion = buildExclusion(constraint) else {
                    skip("schema.yaml cannot express its definition: \(constraint.definition)")
                    continue
                }
                declaration.exclusions.append(exclusion)
            default:
                break   // foreign keys: `build`, once every table is known
            }
        }
        // PRIMARY KEY makes its columns NOT NULL, and the loader says so.
        if let pk = declaration.primaryKey {
            for i in declaration.columns.indices where pk.columns.contains(declaration.columns[i].name) {
                declaration.columns[i].nullable = false
            }
        }

        for index in table.indexes {
            let object = "index \(index.name) on \(table.name)"
            if !index.uses.isEmpty {
                built.skipped.append(ImportNote(
                    object: object,
                    reason: "it uses \(index.uses.sorted().joined(separator: ", ")) of the tenant schema, which schema.yaml cannot declare"))
                continue
            }
            guard var built1 = buildIndex(index) else {
                built.skipped.append(ImportNote(
                    object: object,
                    reason: "schema.yaml cannot express its definition (an operator class, storage options or "
                        + "NULLS NOT DISTINCT): \(index.tail)"))
                continue
            }
            if !index.valid {
                built.caveats.append(ImportNote(
                    object: object,
                    reason: "the index is invalid (a failed CREATE INDEX CONCURRENTLY?); new tenants get a valid one, "
                        + "and this tenant should rebuild it with REINDEX"))
            }
            built1.comment = index.comment
            declaration.indexes.append(built1)
        }
        return declaration
    }

    static func buildColumn(_ column: Column, table: String, into built: inout Built) -> ColumnDeclaration {
        let object = "column \(table).\(column.name)"
        var declaration = ColumnDeclaration(
            name: column.name, type: declaredType(column), nullable: !column.notNull,
            defaultExpression: column.defaultExpression, generated: column.generated,
            collation: column.collation, comment: column.comment)
        switch column.identity {
        case "a": declaration.identity = .always
        case "d": declaration.identity = .byDefault
        default: break
        }

        if let sequence = column.ownedSequence {
            if column.defaultIsOwnedNextval, declaration.identity == nil,
               let serial = PostgresTypeName.serialType(forInteger: column.type)?.name {
                declaration.type = serial
                declaration.defaultExpression = nil
                if !column.notNull {
                    built.caveats.append(ImportNote(
                        object: object, reason: "a serial column that allows NULL; serial columns are NOT NULL, so the first plan sets NOT NULL"))
                }
                declaration.nullable = false
                let expected = IdentifierLength.sequenceName(table: table, column: column.name)
                if sequence != expected {
                    built.caveats.append(ImportNote(
                        object: object,
                        reason: "its sequence is named \(sequence), but serial names it \(expected); the first plan renames the sequence"))
                }
            } else {
                built.caveats.append(ImportNote(
                    object: object,
                    reason: "it owns sequence \(sequence) but is not a serial column (integer, bigint or smallint with "
                        + "nextval of that sequence as its default); schema.yaml cannot declare that sequence"))
            }
        }
        if !column.expressionUses.isEmpty {
            let used = column.expressionUses.sorted().joined(separator: ", ")
            if declaration.defaultExpression != nil {
                built.skipped.append(ImportNote(
                    object: "default of \(object)",
                    reason: "it uses \(used) of the tenant schema, which schema.yaml cannot declare: \(column.defaultExpression ?? "")"))
                declaration.defaultExpression = nil
            }
            if declaration.generated != nil {
                built.skipped.append(ImportNote(
                    object: "generated expression of \(object)",
                    reason: "it uses \(used) of the tenant schema, which schema.yaml cannot declare; imported as a plain column: \(column.generated ?? "")"))
                declaration.generated = nil
            }
        }
        if declaration.identity != nil { declaration.nullable = false }
        return declaration
    }

    /// The column's type as `schema.yaml` writes it: `format_type`'s text, which names
    /// the tenant's enums unqualified and qualifies shared types (`public.citext`). A
    /// catalog type the offline validator does not know is qualified with `pg_catalog.`
    /// (`PostgresTypeName.isKnownWithoutEnums` is the loader's own rule).
    static func declaredType(_ column: Column) -> String {
        guard column.typeInCatalog, !PostgresTypeName.isKnownWithoutEnums(column.type) else { return column.type }
        let name = column.elementTypeName
        let plain = SQLScanner.hasUnquotedShape(name)
        let qualified = "pg_catalog." + (plain ? name : quoteIdentifier(name)) + (column.isArray ? "[]" : "")
        return column.typmod < 0 ? qualified : column.type
    }

    /// Why a foreign key cannot be declared, or nil when it can.
    static func foreignKeyProblem(_ constraint: Constraint, declaration: Declaration) -> String? {
        guard let referencedTable = constraint.referencedTable, let rendered = constraint.referencedRendered else {
            return "its referenced table cannot be read"
        }
        if !constraint.uses.isEmpty {
            return "it uses \(constraint.uses.sorted().joined(separator: ", ")) of the tenant schema, which schema.yaml cannot declare"
        }
        var expected = "FOREIGN KEY (\(constraint.quotedColumns.joined(separator: ", "))) REFERENCES \(rendered)("
            + constraint.quotedReferencedColumns.joined(separator: ", ") + ")"
        if let action = actionSQL(constraint.onUpdate) { expected += " ON UPDATE \(action)" }
        if let action = actionSQL(constraint.onDelete) { expected += " ON DELETE \(action)" }
        guard ConstraintTiming.split(constraint.definition).definition == expected else {
            return "schema.yaml cannot express its definition (MATCH FULL, NOT VALID or SET NULL with "
                + "columns): \(constraint.definition)"
        }
        guard constraint.referencedInTenant else { return nil }
        guard let target = declaration.table(named: referencedTable) else {
            return "it references table \(referencedTable), which is not imported"
        }
        // The loader's rule, and PostgreSQL's: a primary key, unique constraint or plain
        // unique index on exactly the referenced columns.
        guard target.hasKey(on: constraint.referencedColumns) else {
            return "the key it references on \(referencedTable) (\(constraint.referencedColumns.joined(separator: ", "))) is not imported"
        }
        return nil
    }

    static func referentialAction(_ code: Character) -> ReferentialAction? {
        switch code {
        case "r": .restrict
        case "c": .cascade
        case "n": .setNull
        case "d": .setDefault
        default: nil
        }
    }

    static func actionSQL(_ code: Character) -> String? { referentialAction(code)?.sql }

    static func typeKindName(_ kind: Character) -> String {
        switch kind {
        case "d": "domain"
        case "c": "composite type"
        case "r": "range type"
        case "m": "multirange type"
        case "e": "enum"
        default: "type"
        }
    }

    static func constraintKindName(_ kind: Character) -> String {
        switch kind {
        case "p": "primary key"
        case "u": "unique constraint"
        case "f": "foreign key"
        case "c": "check"
        case "x": "exclusion constraint"
        default: "constraint"
        }
    }
}
