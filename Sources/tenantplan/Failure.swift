import Apply
import ArgumentParser
import Catalog
import Planning
import Postgres
import State

/// Prints any error a command can meet in the form users act on, and exits 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as InputErrors {
        Output.error(error.description)
        Output.error("\(error.errors.count) error\(error.errors.count == 1 ? "" : "s"); nothing was changed in any database.")
    } catch let error as InputError {
        Output.error(error.description)
    } catch let error as PlanningError {
        Output.error(error.description)
    } catch let error as PlanRefused {
        Output.error(error.description)
    } catch let error as PostgresError {
        Output.error("error: \(error)")
    } catch {
        Output.error("error: \(error)")
    }
    throw ExitCode(1)
}
