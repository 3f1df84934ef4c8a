import JSON
import MCP
import MCPServer

extension ReferenceServer {
    static func registerResources(_ server: MCPServer, state: FixtureState) {
        server.addResource(Resource(uri: "test://static-text", name: "static-text", title: "Static text",
                                    description: "A fixed text resource", mimeType: "text/plain")) { uri, _, _ in
            [ResourceContents(uri: uri, mimeType: "text/plain", text: "This is the content of the static text resource.")]
        }
        server.addResource(Resource(uri: "test://static-binary", name: "static-binary", title: "Static binary",
                                    description: "A fixed PNG image", mimeType: "image/png")) { uri, _, _ in
            [ResourceContents(uri: uri, mimeType: "image/png", blob: Media.pngBase64)]
        }
        server.addResource(Resource(uri: "test://watched-resource", name: "watched-resource",
                                    description: "Changes when test_trigger_resource_update runs", mimeType: "text/plain")) { uri, _, _ in
            [ResourceContents(uri: uri, mimeType: "text/plain", text: "revision \(state.watchedRevision.load(ordering: .relaxed))")]
        }
        server.addResource(Resource(uri: "test://stateless-static-text", name: "stateless-static-text",
                                    description: "Identical for every caller", mimeType: "text/plain")) { uri, _, _ in
            [ResourceContents(uri: uri, mimeType: "text/plain", text: "This content never changes.")]
        }
        server.addResourceTemplate(
            ResourceTemplate(uriTemplate: "test://template/{id}/data", name: "template-data",
                             description: "JSON data for an id", mimeType: "application/json"),
            completion: { argument, prefix, _ in
                argument == "id" ? ["1", "2", "3", "42"].filter { $0.hasPrefix(prefix) } : []
            }
        ) { uri, vars, _ in
            let id = vars["id"] ?? ""
            let body: JSONValue = ["id": .string(id), "templateTest": true, "data": .string("Data for ID: \(id)")]
            return [ResourceContents(uri: uri, mimeType: "application/json", text: body.description)]
        }
    }
}
