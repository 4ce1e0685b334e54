import State

/// Aggregates of `functions:`, which have no `pg_get_functiondef`.
///
/// Their state is a text the server builds from `pg_aggregate` and `pg_proc`
/// (`aggregateDefinition`), read with the schema alone on the path like other
/// routines' texts, so that the schema's own functions and types come back
/// unqualified; `import` writes the `CREATE AGGREGATE` statement that makes the
/// same rows (`aggregateStatement`).
/// See https://www.postgresql.org/docs/15/catalog-pg-aggregate.html
extension Reflector {
    /// SQL over `pg_proc p` (an aggregate): its canonical text, one field a
    /// line. The first line (name, arguments, kind and number of direct
    /// arguments) is what `CREATE OR REPLACE AGGREGATE` cannot change
    /// (`FunctionState.aggregateHead`); support functions as `regprocedure`,
    /// types as `format_type`, the sort operator as `regoperator`.
    static let aggregateDefinition = """
        (SELECT concat_ws(E'\\n',
            'AGGREGATE ' || quote_ident(p.proname) || '(' || pg_get_function_arguments(p.oid) || ')'
                || ' KIND ' || a.aggkind::text || ' DIRECT ' || a.aggnumdirectargs,
            ' PARALLEL ' || p.proparallel::text,
            ' SFUNC ' || a.aggtransfn::oid::regprocedure::text,
            ' STYPE ' || format_type(a.aggtranstype, NULL),
            CASE WHEN a.aggtransspace <> 0 THEN ' SSPACE ' || a.aggtransspace END,
            CASE WHEN a.aggfinalfn <> 0 THEN ' FINALFUNC ' || a.aggfinalfn::oid::regprocedure::text END,
            CASE WHEN a.aggfinalextra THEN ' FINALFUNC_EXTRA' END,
            ' FINALFUNC_MODIFY ' || a.aggfinalmodify::text,
            CASE WHEN a.aggcombinefn <> 0 THEN ' COMBINEFUNC ' || a.aggcombinefn::oid::regprocedure::text END,
            CASE WHEN a.aggserialfn <> 0 THEN ' SERIALFUNC ' || a.aggserialfn::oid::regprocedure::text END,
            CASE WHEN a.aggdeserialfn <> 0 THEN ' DESERIALFUNC ' || a.aggdeserialfn::oid::regprocedure::text END,
            CASE WHEN a.agginitval IS NOT NULL THEN ' INITCOND ' || quote_literal(a.agginitval) END,
            CASE WHEN a.aggmtransfn <> 0 THEN ' MSFUNC ' || a.aggmtransfn::oid::regprocedure::text END,
            CASE WHEN a.aggminvtransfn <> 0 THEN ' MINVFUNC ' || a.aggminvtransfn::oid::regprocedure::text END,
            CASE WHEN a.aggmtranstype <> 0 THEN ' MSTYPE ' || format_type(a.aggmtranstype, NULL) END,
            CASE WHEN a.aggmtransspace <> 0 THEN ' MSSPACE ' || a.aggmtransspace END,
            CASE WHEN a.aggmfinalfn <> 0 THEN ' MFINALFUNC ' || a.aggmfinalfn::oid::regprocedure::text END,
            CASE WHEN a.aggmfinalextra THEN ' MFINALFUNC_EXTRA' END,
            CASE WHEN a.aggmtransfn <> 0 THEN ' MFINALFUNC_MODIFY ' || a.aggmfinalmodify::text END,
            CASE WHEN a.aggminitval IS NOT NULL THEN ' MINITCOND ' || quote_literal(a.aggminitval) END,
            CASE WHEN a.aggsortop <> 0 THEN ' SORTOP ' || a.aggsortop::regoperator::text END)
         FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
        """

    /// SQL over `pg_proc p` (an aggregate): the `CREATE AGGREGATE` statement
    /// that makes it, for `import` (run with the tenant on the path). The
    /// schema's own support functions and sort operator are named unqualified,
    /// others qualified; options at their default are left out.
    static let aggregateStatement = """
        (SELECT 'CREATE AGGREGATE ' || quote_ident(p.proname) || '(' || pg_get_function_arguments(p.oid) || ') ('
            || concat_ws(', ',
                'SFUNC = ' || fn.transfn, 'STYPE = ' || format_type(a.aggtranstype, NULL),
                CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
                'FINALFUNC = ' || fn.finalfn,
                CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
                CASE WHEN a.aggfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END
                     THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY'
                                                        WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
                'COMBINEFUNC = ' || fn.combinefn, 'SERIALFUNC = ' || fn.serialfn, 'DESERIALFUNC = ' || fn.deserialfn,
                CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END,
                'MSFUNC = ' || fn.mtransfn, 'MINVFUNC = ' || fn.minvtransfn,
                CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END,
                CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
                'MFINALFUNC = ' || fn.mfinalfn,
                CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
                CASE WHEN a.aggmtransfn <> 0 AND a.aggmfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END
                     THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY'
                                                         WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
                CASE WHEN a.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(a.aggminitval) END,
                CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = ' || (
                    SELECT CASE WHEN o.oprnamespace = p.pronamespace THEN o.oprname
                                ELSE 'OPERATOR(' || quote_ident(n.nspname) || '.' || o.oprname || ')' END
                    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid = a.aggsortop) END,
                CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END,
                CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END)
            || ')'
         FROM pg_aggregate a
         CROSS JOIN LATERAL (
             SELECT max(CASE WHEN f.oid = a.aggtransfn THEN x.name END) AS transfn,
                    max(CASE WHEN f.oid = a.aggfinalfn THEN x.name END) AS finalfn,
                    max(CASE WHEN f.oid = a.aggcombinefn THEN x.name END) AS combinefn,
                    max(CASE WHEN f.oid = a.aggserialfn THEN x.name END) AS serialfn,
                    max(CASE WHEN f.oid = a.aggdeserialfn THEN x.name END) AS deserialfn,
                    max(CASE WHEN f.oid = a.aggmtransfn THEN x.name END) AS mtransfn,
                    max(CASE WHEN f.oid = a.aggminvtransfn THEN x.name END) AS minvtransfn,
                    max(CASE WHEN f.oid = a.aggmfinalfn THEN x.name END) AS mfinalfn
             FROM pg_proc f JOIN pg_namespace fn ON fn.oid = f.pronamespace
             CROSS JOIN LATERAL (SELECT CASE WHEN f.pronamespace = p.pronamespace THEN quote_ident(f.proname)
                                             ELSE quote_ident(fn.nspname) || '.' || quote_ident(f.proname) END AS name) AS x
             WHERE f.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                             a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)) AS fn
         WHERE a.aggfnoid = p.oid)
        """

    /// SQL over `pg_proc p`: the routine's text as the state holds it.
    static let routineDefinition = """
        CASE WHEN p.prokind = 'a' THEN \(aggregateDefinition) ELSE pg_get_functiondef(p.oid) END
        """
}
