// PolicyTests: the single authorization decision — scopes for every action, admin, workspace
// isolation answered as "not found", agent restrictions, the local principal and key granting.

import Platform
import Testing

@Suite("Policy")
struct PolicyTests {
    func principal(_ scopes: Set<Scope>, workspace: String = "default", agents: Set<String>? = nil) -> Principal {
        Principal(workspaceID: workspace, keyID: "key_test", scopes: scopes, agentIDs: agents)
    }

    @Test("every action is allowed with exactly its scope and forbidden without it, naming the scope")
    func scopesForEveryAction() {
        for action in Action.allCases {
            let needed = action.requiredScope
            #expect(Policy.authorize(principal([needed]), action: action, object: nil) == .allow)
            let others = Set(Scope.allCases).subtracting([needed, .admin])
            #expect(Policy.authorize(principal(others), action: action, object: nil) == .deny(.missingScope(needed)))
        }
    }

    @Test("admin and the local principal may do every action in their workspace")
    func adminAndLocal() {
        for action in Action.allCases {
            let object = ObjectRef.agent("support", workspace: "default")
            #expect(Policy.authorize(principal([.admin]), action: action, object: object).isAllowed)
            #expect(Policy.authorize(.local(), action: action, object: object).isAllowed)
        }
        #expect(Principal.local().actorID == "local")
        #expect(Principal.local(workspace: "acme").workspaceID == "acme")
    }

    @Test("an object in another workspace is denied as not found, even for admin and local")
    func crossWorkspaceIsNotFound() {
        let foreign = [
            ObjectRef.agent("support", workspace: "acme"),
            ObjectRef(kind: .credential, id: "github", workspaceID: "acme"),
            ObjectRef(kind: .run, id: "run_1", workspaceID: "acme", agentID: "support"),
        ]
        for object in foreign {
            let decision = Policy.authorize(principal([.admin]), action: .readAgents, object: object)
            #expect(decision == .deny(.notFound(.otherWorkspace)))
            #expect(Policy.authorize(.local(), action: .readAgents, object: object) == .deny(.notFound(.otherWorkspace)))
            if case .deny(let denial) = decision { #expect(denial.publicMessage == "not found") }
        }
    }

    @Test("a missing scope is reported before the workspace check, so the answer never depends on the object")
    func scopeBeforeObject() {
        let weak = principal([.runsRead])
        let mine = ObjectRef.agent("a", workspace: "default")
        let theirs = ObjectRef.agent("a", workspace: "acme")
        #expect(Policy.authorize(weak, action: .writeAgents, object: mine)
            == Policy.authorize(weak, action: .writeAgents, object: theirs))
    }

    @Test("an agent-restricted key reaches its agents and their runs but nothing tied to other agents")
    func agentRestriction() {
        let restricted = principal([.admin], agents: ["support"])
        #expect(Policy.authorize(restricted, action: .writeAgents, object: .agent("support", workspace: "default")) == .allow)
        #expect(Policy.authorize(restricted, action: .readRuns,
            object: ObjectRef(kind: .run, id: "r1", workspaceID: "default", agentID: "support")) == .allow)
        #expect(Policy.authorize(restricted, action: .readAgents, object: .agent("billing", workspace: "default"))
            == .deny(.notFound(.outsideAgentRestriction)))
        #expect(Policy.authorize(restricted, action: .decideApprovals,
            object: ObjectRef(kind: .approval, id: "ap1", workspaceID: "default", agentID: "billing"))
            == .deny(.notFound(.outsideAgentRestriction)))
        #expect(!restricted.mayUse(agent: "billing"))
        #expect(principal([.admin]).mayUse(agent: "billing"))
    }

    @Test("a key created from a stored restriction is enforced end to end")
    func restrictionFromStore() throws {
        let fixture = try Fixture()
        let (_, secret) = try fixture.keys.create(workspace: "default", name: "bot", scopes: [.mcpTools, .runsWrite], agentIDs: ["support"])
        let caller = try #require(try fixture.keys.authenticate(secret: secret))
        #expect(Policy.authorize(caller, action: .writeRuns,
            object: ObjectRef(kind: .session, id: "s", workspaceID: "default", agentID: "support")).isAllowed)
        #expect(Policy.authorize(caller, action: .writeRuns,
            object: ObjectRef(kind: .session, id: "s", workspaceID: "default", agentID: "other")) == .deny(.notFound(.outsideAgentRestriction)))
        #expect(Policy.authorize(caller, action: .readAudit, object: nil) == .deny(.missingScope(.auditRead)))
    }

    @Test("a key creator cannot grant scopes or agents it does not hold")
    func noEscalation() {
        #expect(Policy.mayGrant(principal([.agentsRead]), scopes: [.agentsRead], agentIDs: nil) == .deny(.missingScope(.keysWrite)))
        let creator = principal([.keysWrite, .runsRead], agents: ["a", "b"])
        #expect(Policy.mayGrant(creator, scopes: [.runsRead], agentIDs: ["a"]) == .allow)
        #expect(Policy.mayGrant(creator, scopes: [.runsRead, .admin], agentIDs: ["a"]) == .deny(.missingScope(.admin)))
        #expect(!Policy.mayGrant(creator, scopes: [.runsRead], agentIDs: nil).isAllowed)
        #expect(!Policy.mayGrant(creator, scopes: [.runsRead], agentIDs: ["c"]).isAllowed)
        #expect(Policy.mayGrant(.local(), scopes: Set(Scope.allCases), agentIDs: nil) == .allow)
    }
}
