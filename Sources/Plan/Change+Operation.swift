extension Change {
    /// What a change does, by the stable snake_case name plan files store.
    ///
    /// One case per `Step` case (`Step.operation`). The raw values are the plan
    /// file's `op` field: they never change, and a plan naming an operation this
    /// version does not know is not a valid plan.
    public enum Operation: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        case createSchema = "create_schema"
        case createEnum = "create_enum"
        case addEnumValue = "add_enum_value"
        case dropType = "drop_type"

        case createTable = "create_table"
        case renameTable = "rename_table"
        case dropTable = "drop_table"
        case commentOnTable = "comment_table"
        case createPartition = "create_partition"
        case dropPartition = "drop_partition"
        case setLogged = "set_logged"

        case addColumn = "add_column"
        case renameColumn = "rename_column"
        case dropColumn = "drop_column"
        case alterColumnType = "alter_column_type"
        case setNotNull = "set_not_null"
        case dropNotNull = "drop_not_null"
        case setDefault = "set_default"
        case dropDefault = "drop_default"
        case addIdentity = "add_identity"
        case setIdentity = "set_identity"
        case dropIdentity = "drop_identity"
        case dropExpression = "drop_expression"
        case commentOnColumn = "comment_column"

        case createSequence = "create_sequence"
        case renameSequence = "rename_sequence"
        case alterSequenceType = "alter_sequence_type"
        case dropSequence = "drop_sequence"
        case continueSequence = "continue_sequence"
        // MARK: Composite types
        case createCompositeType = "create_composite_type"
        case addAttribute = "add_attribute"
        case dropAttribute = "drop_attribute"
        case alterAttributeType = "alter_attribute_type"
        case commentOnCompositeType = "comment_composite_type"
        case commentOnEnum = "comment_enum"
        case dropCompositeType = "drop_composite_type"
        // MARK: Sequences
        case createStandaloneSequence = "create_standalone_sequence"
        case alterSequence = "alter_sequence"
        case sequenceOwnedBy = "sequence_owned_by"
        case commentOnSequence = "comment_sequence"

        case addConstraint = "add_constraint"
        case renameConstraint = "rename_constraint"
        case dropConstraint = "drop_constraint"
        case commentOnConstraint = "comment_constraint"

        case createIndex = "create_index"
        case renameIndex = "rename_index"
        case dropIndex = "drop_index"
        case commentOnIndex = "comment_index"

        case createFunction = "create_function"
        case replaceFunction = "replace_function"
        case dropFunction = "drop_function"
        case commentOnFunction = "comment_function"

        case createTrigger = "create_trigger"
        case dropTrigger = "drop_trigger"
        case commentOnTrigger = "comment_trigger"
        case dropDependent = "drop_dependent"
        case createIndexConcurrently = "create_index_concurrently"
        case dropIndexConcurrently = "drop_index_concurrently"
        case addConstraintNotValid = "add_constraint_not_valid"
        case validateConstraint = "validate_constraint"
        case addConstraintUsingIndex = "add_constraint_using_index"
        // Constraint and index options
        case alterConstraint = "alter_constraint"
        case setIndexStorage = "set_index_storage"
        // MARK: Column backfill
        case backfillColumn = "backfill_column"
        case fillColumn = "fill_column"
        // Views and materialized views.
        case createView = "create_view"
        case replaceView = "replace_view"
        case dropView = "drop_view"
        case commentOnView = "comment_view"
        case createViewIndex = "create_view_index"

        // MARK: Domains
        case createDomain = "create_domain"
        case dropDomain = "drop_domain"
        case alterDomainDefault = "alter_domain_default"
        case setDomainNotNull = "set_domain_not_null"
        case dropDomainNotNull = "drop_domain_not_null"
        case addDomainCheck = "add_domain_check"
        case addDomainCheckNotValid = "add_domain_check_not_valid"
        case validateDomainCheck = "validate_domain_check"
        case dropDomainCheck = "drop_domain_check"
        case commentOnDomain = "comment_domain"
        // MARK: Row-level security, policies and grants
        case enableRowSecurity = "enable_row_security"
        case forceRowSecurity = "force_row_security"
        case createPolicy = "create_policy"
        case alterPolicy = "alter_policy"
        case dropPolicy = "drop_policy"
        case commentOnPolicy = "comment_policy"
        case grant = "grant"
        case revoke = "revoke"
        case grantDefaultPrivileges = "grant_default_privileges"
        case revokeDefaultPrivileges = "revoke_default_privileges"

        /// The plan-file name, so that text output shows what the file stores.
        public var description: String { rawValue }
    }
}
