#include "api/coverage.h"

#include <doctest/doctest.h>

#include "cs_model_fixture.h"
#include "test_support.h"

namespace csbridge::api {

namespace {

std::vector<std::string> labels(const std::vector<EntityRead>& reads) {
  std::vector<std::string> out;
  for (const EntityRead& r : reads) out.push_back(r.label);
  return out;
}

std::vector<std::string> writes(const Coverage& c) {
  std::vector<std::string> out;
  for (const WriteBack& w : c.write_back) out.push_back(w.capability + ": " + w.operation);
  return out;
}

const EntityRead& find(const std::vector<EntityRead>& reads, std::string_view label) {
  static const EntityRead kNone;
  for (const EntityRead& r : reads) {
    if (r.label == label) return r;
  }
  FAIL_CHECK("no read labelled " << label);
  return kNone;
}

std::vector<std::string> needs_of(std::string_view entity) {
  std::vector<std::string> out;
  for (const EvidenceNeed& n : evidence_needs(*test::cs_model().entity(entity))) out.push_back(n.what);
  return out;
}

Coverage coverage_of(std::string_view text, const std::string& file) {
  auto spec = parse_spec(text, file);
  REQUIRE(spec.is_ok());
  return entity_coverage(*spec, test::cs_model());
}

// A network-device management API in the shape of a real one (Meraki's
// dashboard API): clients seen on a network, their latency history, the
// organization's API request log, network events, networks of an
// organization. Names that read as CS entities, none of their fields.
constexpr std::string_view kDeviceApi = R"({
  "openapi": "3.0.1",
  "info": {"title": "Device Dashboard API", "version": "1.42.0"},
  "paths": {
    "/networks/{networkId}/clients": {
      "get": {
        "operationId": "getNetworkClients", "tags": ["networks", "monitor", "clients"],
        "responses": {"200": {"description": "Successful operation",
          "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Client"}}}}}}
      }
    },
    "/networks/{networkId}/clients/{clientId}": {
      "get": {
        "operationId": "getNetworkClient", "tags": ["networks", "monitor", "clients"],
        "responses": {"200": {"description": "Successful operation",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Client"}}}}}
      }
    },
    "/networks/{networkId}/wireless/clients/{clientId}/latencyHistory": {
      "get": {
        "operationId": "getNetworkWirelessClientLatencyHistory", "tags": ["wireless", "monitor", "clients"],
        "responses": {"200": {"description": "Successful operation",
          "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
            "startTs": {"type": "string", "format": "date-time"},
            "endTs": {"type": "string", "format": "date-time"},
            "avgLatencyMs": {"type": "integer"}}}}}}}}
      }
    },
    "/organizations/{organizationId}/apiRequests": {
      "get": {
        "operationId": "getOrganizationApiRequests", "tags": ["organizations", "monitor", "apiRequests"],
        "responses": {"200": {"description": "Successful operation",
          "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
            "adminId": {"type": "string"}, "method": {"type": "string"}, "host": {"type": "string"},
            "path": {"type": "string"}, "queryString": {"type": "string"}, "userAgent": {"type": "string"},
            "ts": {"type": "string", "format": "date-time"}, "responseCode": {"type": "integer"},
            "sourceIp": {"type": "string"}, "operationId": {"type": "string"}}}}}}}}
      }
    },
    "/networks/{networkId}/events": {
      "get": {
        "operationId": "getNetworkEvents", "tags": ["networks", "monitor", "events"],
        "responses": {"200": {"description": "Successful operation",
          "content": {"application/json": {"schema": {"type": "object", "properties": {
            "message": {"type": "string"},
            "pageStartAt": {"type": "string"}, "pageEndAt": {"type": "string"},
            "events": {"type": "array", "items": {"type": "object", "properties": {
              "occurredAt": {"type": "string"}, "type": {"type": "string"}, "description": {"type": "string"},
              "clientId": {"type": "string"}, "clientMac": {"type": "string"}, "deviceSerial": {"type": "string"}}}}}}}}}}
      }
    },
    "/organizations/{organizationId}/networks": {
      "get": {
        "operationId": "getOrganizationNetworks", "tags": ["organizations", "configure", "networks"],
        "responses": {"200": {"description": "Successful operation",
          "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "organizationId": {"type": "string"}, "name": {"type": "string"},
            "timeZone": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}}}}}}
      }
    }
  },
  "components": {"schemas": {"Client": {"type": "object", "properties": {
    "id": {"type": "string"}, "mac": {"type": "string"}, "ip": {"type": "string"}, "ip6": {"type": "string"},
    "description": {"type": "string"}, "firstSeen": {"type": "integer"}, "lastSeen": {"type": "integer"},
    "manufacturer": {"type": "string"}, "os": {"type": "string"}, "vlan": {"type": "string"},
    "ssid": {"type": "string"}, "status": {"type": "string", "enum": ["Online", "Offline"]},
    "recentDeviceName": {"type": "string"}, "notes": {"type": "string"},
    "usage": {"type": "object", "properties": {"sent": {"type": "integer"}, "recv": {"type": "integer"}}}}}}}
})";

// An issue-tracking API in the shape of a unified one (apideck's): every
// answer wrapped in {status_code, status, data, meta}; tickets of a
// collection with subject, status, assignees and a reporter; comments of a
// ticket with a body; the users; the tags.
constexpr std::string_view kHelpdeskApi = R"(openapi: 3.0.0
info: {title: Issue Tracking API, version: 10.0.0}
paths:
  /issue-tracking/collections/{collection_id}/tickets:
    get:
      operationId: collectionTicketsAll
      tags: [Tickets]
      responses:
        '200': {$ref: '#/components/responses/GetTicketsResponse'}
  /issue-tracking/collections/{collection_id}/tickets/{ticket_id}:
    get:
      operationId: collectionTicketsOne
      tags: [Tickets]
      responses:
        '200':
          description: Get a Ticket
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Envelope'
                  - properties: {data: {$ref: '#/components/schemas/Ticket'}}
  /issue-tracking/collections/{collection_id}/tickets/{ticket_id}/comments:
    get:
      operationId: collectionTicketCommentsAll
      tags: [Comments]
      responses:
        '200':
          description: List Comments
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Envelope'
                  - properties: {data: {type: array, items: {$ref: '#/components/schemas/CollectionTicketComment'}}}
  /issue-tracking/collections/{collection_id}/users:
    get:
      operationId: collectionUsersAll
      tags: [Users]
      responses:
        '200':
          description: List Users
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Envelope'
                  - properties: {data: {type: array, items: {$ref: '#/components/schemas/CollectionUser'}}}
  /issue-tracking/collections/{collection_id}/tags:
    get:
      operationId: collectionTagsAll
      tags: [Tags]
      responses:
        '200':
          description: List Tags
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Envelope'
                  - properties: {data: {type: array, items: {$ref: '#/components/schemas/CollectionTag'}}}
components:
  responses:
    GetTicketsResponse:
      description: List Tickets
      content:
        application/json:
          schema:
            allOf:
              - $ref: '#/components/schemas/Envelope'
              - properties: {data: {type: array, items: {$ref: '#/components/schemas/Ticket'}}}
  schemas:
    Envelope:
      type: object
      required: [status_code, status, data]
      properties:
        status_code: {type: integer, example: 200}
        status: {type: string, example: OK}
        service: {type: string}
        resource: {type: string}
        meta: {type: object, properties: {items_on_page: {type: integer}, cursors: {type: object}}}
    Assignee:
      type: object
      properties:
        id: {type: string}
        username: {type: string}
    Ticket:
      type: object
      properties:
        id: {type: string}
        parent_id: {type: string, nullable: true}
        collection_id: {type: string}
        type: {type: string}
        subject: {type: string}
        description: {type: string}
        status: {type: string}
        priority: {type: string, enum: [low, normal, high, urgent]}
        assignees: {type: array, items: {$ref: '#/components/schemas/Assignee'}}
        reporter: {$ref: '#/components/schemas/Assignee'}
        created_at: {type: string, format: date-time}
        due_date: {type: string, format: date-time}
        tags: {type: array, items: {$ref: '#/components/schemas/CollectionTag'}}
    CollectionTicketComment:
      type: object
      properties:
        id: {type: string}
        body: {type: string}
        created_by: {type: string}
        created_at: {type: string, format: date-time}
    CollectionUser:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        first_name: {type: string}
        last_name: {type: string}
        email: {type: string}
        photo_url: {type: string}
    CollectionTag:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
)";

// A CRM API in the same unified shape: contacts with names, e-mail
// addresses and phone numbers; companies; notes on contacts and companies.
constexpr std::string_view kCrmApi = R"(openapi: 3.0.3
info: {title: CRM API, version: 10.0.0}
paths:
  /crm/contacts:
    get:
      operationId: contactsAll
      tags: [Contacts]
      responses:
        '200':
          description: Contacts
          content:
            application/json:
              schema:
                type: object
                properties:
                  status_code: {type: integer}
                  status: {type: string}
                  data: {type: array, items: {$ref: '#/components/schemas/Contact'}}
  /crm/companies/{id}:
    get:
      operationId: companiesOne
      tags: [Companies]
      responses:
        '200':
          description: Company
          content:
            application/json:
              schema:
                type: object
                properties:
                  status_code: {type: integer}
                  status: {type: string}
                  data: {$ref: '#/components/schemas/Company'}
  /crm/notes:
    get:
      operationId: notesAll
      tags: [Notes]
      responses:
        '200':
          description: Notes
          content:
            application/json:
              schema:
                type: object
                properties:
                  status_code: {type: integer}
                  data:
                    type: array
                    items:
                      type: object
                      properties:
                        id: {type: string}
                        title: {type: string}
                        content: {type: string}
                        contact_id: {type: string}
                        company_id: {type: string}
components:
  schemas:
    Email:
      type: object
      properties:
        email: {type: string, format: email}
        type: {type: string, enum: [primary, secondary, work, personal]}
    PhoneNumber:
      type: object
      properties:
        number: {type: string}
        type: {type: string, enum: [primary, mobile, work, fax]}
    Contact:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        first_name: {type: string}
        last_name: {type: string}
        company_id: {type: string}
        title: {type: string}
        emails: {type: array, items: {$ref: '#/components/schemas/Email'}}
        phone_numbers: {type: array, items: {$ref: '#/components/schemas/PhoneNumber'}}
    Company:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        industry: {type: string}
        vat_number: {type: string}
        emails: {type: array, items: {$ref: '#/components/schemas/Email'}}
        phone_numbers: {type: array, items: {$ref: '#/components/schemas/PhoneNumber'}}
)";

}  // namespace

TEST_CASE("coverage: the evidence an entity needs comes from the CS model") {
  // Required references and required text fields, as cs_model.yaml declares them.
  CHECK(needs_of("ticket_message") == std::vector<std::string>{"ticket reference", "body"});
  CHECK(needs_of("organization") == std::vector<std::string>{"name"});
  CHECK(needs_of("attachment") == std::vector<std::string>{"ticket reference", "file_name"});
  CHECK(needs_of("customer_identity") == std::vector<std::string>{"customer reference", "value"});
  // An ERP document knows no ticket: its number is the evidence.
  CHECK(needs_of("business_ref") == std::vector<std::string>{"number"});
  // Where the model is lenient, what a source of the entity holds.
  CHECK(needs_of("ticket") == std::vector<std::string>{"status or subject", "requester"});
  CHECK(needs_of("customer") == std::vector<std::string>{"name", "phone or e-mail"});
  CHECK(needs_of("agent") == std::vector<std::string>{"name", "e-mail or role"});
  CHECK(needs_of("ticket_event") == std::vector<std::string>{"ticket reference", "kind or changed values"});
}

TEST_CASE("coverage: the sample order API reads orders, waybills and customers and writes back three things") {
  auto spec = load_spec(test::source_dir() + "/samples/api/order_api.yaml");
  REQUIRE(spec.is_ok());
  Coverage c = entity_coverage(*spec, test::cs_model());
  CHECK(labels(c.read) == std::vector<std::string>{"order (business_ref)", "waybill (business_ref)", "customer"});
  CHECK(c.weak.empty());
  CHECK(c.read[0].operations == std::vector<std::string>{"GET /orders", "GET /orders/{order_no}"});
  CHECK(c.read[0].evidence == std::vector<std::string>{"number: order_no"});
  CHECK(c.read[2].entity == "customer");
  CHECK(c.read[2].evidence == std::vector<std::string>{"name: name", "phone or e-mail: mobile"});
  CHECK(writes(c) == std::vector<std::string>{"status update: PUT /orders/{order_no}/status",
                                              "refund: POST /orders/{order_no}/refunds",
                                              "ticket creation: POST /aftersale/tickets"});
  CHECK(c.write_back[2].entity == "ticket");
  CHECK(c.entities_not_readable == std::vector<std::string>{"ticket", "ticket_message"});
}

TEST_CASE("coverage: a device-management API reads no CS entity, its look-alikes are weak") {
  Coverage c = coverage_of(kDeviceApi, "devices.json");
  CHECK(c.read.empty());
  CHECK(c.entities_not_readable == std::vector<std::string>{"customer", "ticket", "ticket_message", "business_ref"});
  CHECK(labels(c.weak) == std::vector<std::string>{"client (customer)", "latencyhistory (ticket_event)",
                                                   "apirequest (ticket)", "event (ticket_event)", "organization"});
  SUBCASE("a client has a MAC and an IP address, nobody's phone or e-mail") {
    const EntityRead& r = find(c.weak, "client (customer)");
    CHECK(r.operations == std::vector<std::string>{"GET /networks/{networkId}/clients",
                                                   "GET /networks/{networkId}/clients/{clientId}"});
    CHECK(r.missing == std::vector<std::string>{"phone or e-mail"});
  }
  SUBCASE("a latency history belongs to no ticket and changes nothing") {
    CHECK(find(c.weak, "latencyhistory (ticket_event)").missing ==
          std::vector<std::string>{"ticket reference", "kind or changed values"});
  }
  SUBCASE("an API request log has no status or subject and no requester") {
    CHECK(find(c.weak, "apirequest (ticket)").missing == std::vector<std::string>{"status or subject", "requester"});
  }
  SUBCASE("network events have a kind but no ticket") {
    const EntityRead& r = find(c.weak, "event (ticket_event)");
    CHECK(r.missing == std::vector<std::string>{"ticket reference"});
    CHECK(r.evidence == std::vector<std::string>{"kind or changed values: type"});
  }
  SUBCASE("networks tagged with their organization are part of one, not one") {
    const EntityRead& r = find(c.weak, "organization");
    CHECK(r.operations == std::vector<std::string>{"GET /organizations/{organizationId}/networks"});
    CHECK(r.missing == std::vector<std::string>{
                           "a name of its own (only the parent 'organizations' in its path reads as organization)"});
  }
}

TEST_CASE("coverage: a helpdesk API still reads tickets, their comments, users and tags") {
  Coverage c = coverage_of(kHelpdeskApi, "issue-tracking.yaml");
  CHECK(labels(c.read) == std::vector<std::string>{"ticket", "comment (ticket_message)", "user (customer)", "tag"});
  CHECK(c.weak.empty());
  const EntityRead& ticket = find(c.read, "ticket");
  CHECK(ticket.operations == std::vector<std::string>{"GET /issue-tracking/collections/{collection_id}/tickets",
                                                      "GET /issue-tracking/collections/{collection_id}/tickets/{ticket_id}"});
  // Held against the records in `data`, not the envelope's `status`.
  CHECK(ticket.evidence == std::vector<std::string>{"status or subject: subject", "requester: reporter"});
  // The ticket a comment belongs to is in its path.
  CHECK(find(c.read, "comment (ticket_message)").evidence ==
        std::vector<std::string>{"ticket reference: path tickets/{ticket_id}", "body: body"});
  CHECK(find(c.read, "user (customer)").evidence == std::vector<std::string>{"name: name", "phone or e-mail: email"});
  CHECK(c.entities_not_readable == std::vector<std::string>{"business_ref"});
}

TEST_CASE("coverage: a ticket's creator is its requester") {
  std::string spec(kHelpdeskApi);
  spec.replace(spec.find("reporter: {$ref"), std::string_view("reporter").size(), "created_by");
  Coverage c = coverage_of(spec, "issue-tracking.yaml");
  CHECK(find(c.read, "ticket").evidence == std::vector<std::string>{"status or subject: subject", "requester: created_by"});
}

TEST_CASE("coverage: a CRM API still reads contacts and companies, notes on no ticket are weak") {
  Coverage c = coverage_of(kCrmApi, "crm.yaml");
  CHECK(labels(c.read) == std::vector<std::string>{"contact (customer)", "company (organization)"});
  CHECK(find(c.read, "contact (customer)").evidence ==
        std::vector<std::string>{"name: name", "phone or e-mail: emails"});
  CHECK(find(c.read, "company (organization)").evidence == std::vector<std::string>{"name: name"});
  CHECK(labels(c.weak) == std::vector<std::string>{"note (ticket_message)"});
  CHECK(c.weak[0].missing == std::vector<std::string>{"ticket reference"});
}

TEST_CASE("coverage: a response without fields gives no evidence") {
  Coverage c = coverage_of(R"(swagger: '2.0'
info: {title: t, version: '0.3.0'}
paths:
  /organizations/{organizationId}/apiRequests:
    get:
      operationId: getOrganizationApiRequests
      responses: {'200': {description: Successful operation, schema: {type: object, x-is-dynamic: true}}}
)",
                           "dynamic.yaml");
  CHECK(c.read.empty());
  REQUIRE(c.weak.size() == 1);
  CHECK(c.weak[0].label == "apirequest (ticket)");
  CHECK(c.weak[0].missing == std::vector<std::string>{"status or subject", "requester"});
}

TEST_CASE("coverage: Chinese summaries and pinyin paths are understood") {
  Coverage c = coverage_of(R"(openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /kehu/{id}:
    get:
      summary: 查询会员
      parameters: [{name: id, in: path, required: true}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties: {姓名: {type: string}, 手机号: {type: string}}
  /huiyuan/{id}:
    get:
      summary: 会员等级
      parameters: [{name: id, in: path, required: true}]
      responses: {'200': {description: ok}}
  /api/submit:
    post:
      summary: 提交投诉工单
      responses: {'200': {description: ok}}
  /api/return:
    post:
      summary: 申请退款
      responses: {'200': {description: ok}}
  /api/hook:
    post:
      summary: 订阅回调
      responses: {'200': {description: ok}}
)",
                           "zh.yaml");
  REQUIRE(c.read.size() == 1);
  CHECK(c.read[0].entity == "customer");
  CHECK(c.read[0].label == "kehu (customer)");
  CHECK(c.read[0].evidence == std::vector<std::string>{"name: 姓名", "phone or e-mail: 手机号"});
  // Named 会员 in its summary, and not one field to show it.
  REQUIRE(c.weak.size() == 1);
  CHECK(c.weak[0].operations == std::vector<std::string>{"GET /huiyuan/{id}"});
  CHECK(c.weak[0].missing == std::vector<std::string>{"name", "phone or e-mail"});
  CHECK(writes(c) == std::vector<std::string>{"ticket creation: POST /api/submit", "refund: POST /api/return"});
}

}  // namespace csbridge::api
