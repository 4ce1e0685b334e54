import Testing
@testable import State

@Test func smoke() throws {
    let d = try DeclarationLoader.load(path: "/work/main/schema.yaml")
    print(d)
    let f = try FleetLoader.load(path: "/work/main/tenants.yaml")
    print(f)
}
