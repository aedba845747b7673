#include "connector/xml_connector.h"

#include <pugixml.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "connector/file_source.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

const std::vector<std::string> kOptions = {"encoding", "record"};
constexpr size_t kNamesInMessages = 5;  // child names listed when the records are ambiguous

struct XmlOptions {
  std::optional<util::Encoding> encoding;  // unset: the XML declaration's, else UTF-8
  std::string record;                     // XPath of the record elements; "" = the root's children
};

bool is_element(pugi::xml_node n) { return n.type() == pugi::node_element; }

// Offset of the element's '<' (pugixml gives its name's, which follows the '<' directly).
size_t element_offset(pugi::xml_node n) {
  ptrdiff_t name = n.offset_debug();
  return name > 0 ? static_cast<size_t>(name - 1) : 0;
}

bool has_child_elements(pugi::xml_node n) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (is_element(c)) return true;
  }
  return false;
}

// The element's own text: its text and CDATA children, concatenated.
std::string_view own_text(pugi::xml_node n, std::string& scratch) {
  scratch.clear();
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) scratch += c.value();
  }
  return scratch;
}

// The child elements of `n` grouped by name, names in first-seen order.
std::vector<std::pair<std::string_view, std::vector<pugi::xml_node>>> children_by_name(pugi::xml_node n) {
  std::vector<std::pair<std::string_view, std::vector<pugi::xml_node>>> groups;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c)) continue;
    std::string_view name = c.name();
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == name; });
    if (it == groups.end()) {
      groups.push_back({name, {c}});
    } else {
      it->second.push_back(c);
    }
  }
  return groups;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  out += '"';
}

// The records of one XML document, parsed whole with pugixml (up to
// kMaxDocumentBytes). A record's fields: attributes as "@name", child
// elements by name, nested ones joined with '.' ("customer.phone"); an element
// repeated within its parent becomes one field holding a JSON array.
class XmlSource final : public RecordSource {
 public:
  XmlSource(const FileTable& table, const XmlOptions& options) : file_(table.file_name()), options_(options) {}

  Status start(std::string text) {
    // pugixml converts UTF-16/32 (by BOM) and Latin-1 (by declaration);
    // other bytes are kept as they are and decoded per value below.
    pugi::xml_parse_result parsed = doc_.load_buffer(text.data(), text.size(),
                                                     pugi::parse_default | pugi::parse_declaration, pugi::encoding_auto);
    if (!parsed) {
      return position_error(text, static_cast<size_t>(parsed.offset), parsed.description());
    }
    CSB_RETURN_IF_ERROR(check_depth(text));
    encoding_ = options_.encoding.value_or(declared_encoding());
    return options_.record.empty() ? root_children() : select_records();
  }

  std::string location() const override {
    return file_ + ":offset " + std::to_string(next_ == 0 ? 0 : element_offset(records_[next_ - 1]));
  }

  Result<bool> next(Record& out, std::vector<RejectedRecord>& rejects) override {
    while (next_ < records_.size()) {
      pugi::xml_node record = records_[next_++];
      out.clear();
      decode_error_.clear();
      path_.clear();
      add_element(record, out, true);
      if (decode_error_.empty()) return true;
      rejects.push_back({location(), decode_error_});
    }
    return false;
  }

 private:
  Status position_error(std::string_view text, size_t offset, const std::string& message) const {
    return data_error(file_ + ":" + line_col(text, offset) + " (offset " + std::to_string(offset) + "): " + message);
  }

  // Walks the tree without recursion: everything after may recurse.
  Status check_depth(std::string_view text) const {
    int ancestors = 0;  // elements enclosing n
    pugi::xml_node n = doc_.first_child();
    while (n) {
      if (is_element(n)) {
        if (ancestors + 1 > kMaxNestingDepth) {
          return position_error(text, element_offset(n),
                                "elements nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
        }
        if (n.first_child()) {
          ++ancestors;
          n = n.first_child();
          continue;
        }
      }
      while (!n.next_sibling()) {
        n = n.parent();
        if (!n || n == doc_) return Status::ok();
        --ancestors;
      }
      n = n.next_sibling();
    }
    return Status::ok();
  }

  util::Encoding declared_encoding() const {
    pugi::xml_node decl = doc_.first_child();
    if (decl.type() != pugi::node_declaration) return util::Encoding::kUtf8;
    auto parsed = util::parse_encoding(decl.attribute("encoding").value());
    return parsed ? *parsed : util::Encoding::kUtf8;
  }

  Status root_children() {
    pugi::xml_node root = doc_.document_element();
    std::vector<std::string> names;
    for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
      if (!is_element(c)) continue;
      records_.push_back(c);
      if (std::find(names.begin(), names.end(), c.name()) == names.end()) names.push_back(c.name());
    }
    if (names.size() > 1) {
      if (names.size() > kNamesInMessages) {
        names.resize(kNamesInMessages);
        names.push_back("…");
      }
      return data_error(file_ + ": the children of <" + root.name() + "> have different names (" +
                        util::join(names, ", ") + "); name the record elements with record=/" + root.name() +
                        "/NAME, or read the document as one record with record=/" + root.name());
    }
    return Status::ok();
  }

  Status select_records() {
    try {
      pugi::xpath_node_set nodes = doc_.select_nodes(options_.record.c_str());
      for (const pugi::xpath_node& n : nodes) {
        if (!is_element(n.node())) {
          return invalid_argument("record path '" + options_.record + "' selects " +
                                  (n.attribute() ? "attributes" : "nodes that are not elements") + " in " + file_ +
                                  "; it must select elements");
        }
        records_.push_back(n.node());
      }
    } catch (const pugi::xpath_exception& e) {
      return invalid_argument("record path '" + options_.record + "' is not a valid XPath: " + e.what());
    } catch (const std::exception& e) {
      return internal_error("evaluating record path '" + options_.record + "' on " + file_ + ": " + e.what());
    }
    return Status::ok();
  }

  // Appends `raw` decoded to `out`; a failure is kept for the record's reject.
  void decoded(std::string& out, std::string_view raw) {
    Status status = append_decoded(out, raw, encoding_);
    if (!status.is_ok() && decode_error_.empty()) {
      decode_error_ = "field \"" + (path_.empty() ? std::string("#text") : path_) + "\": " + status.message();
    }
  }

  // Adds the fields of `el` whose names start with path_ ("" for the record itself).
  void add_element(pugi::xml_node el, Record& out, bool is_record) {
    size_t mark = path_.size();
    std::string_view separator = path_.empty() ? "" : ".";
    std::string_view text = own_text(el, text_);
    if (!text.empty() || (!is_record && !el.first_attribute() && !has_child_elements(el))) {
      Field& f = out.add(is_record ? std::string_view("#text") : std::string_view(path_));
      decoded(f.value, text);
    }
    for (pugi::xml_attribute a = el.first_attribute(); a; a = a.next_attribute()) {
      path_.append(separator).append("@");
      decoded(path_, a.name());
      decoded(out.add(path_).value, a.value());
      path_.resize(mark);
    }
    for (const auto& [name, nodes] : children_by_name(el)) {
      path_.append(separator);
      decoded(path_, name);
      if (nodes.size() > 1) {
        Field& f = out.add(path_);
        f.kind = ValueType::kJson;
        f.value = "[";
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (i > 0) f.value += ',';
          append_json(f.value, nodes[i]);
        }
        f.value += ']';
      } else {
        add_element(nodes[0], out, false);
      }
      path_.resize(mark);
    }
  }

  // `el` as JSON: a string for a text-only element, else an object of its
  // attributes ("@name"), text ("#text") and children.
  void append_json(std::string& out, pugi::xml_node el) {
    std::string value;
    if (!el.first_attribute() && !has_child_elements(el)) {
      decoded(value, own_text(el, text_));
      append_json_string(out, value);
      return;
    }
    out += '{';
    bool first = true;
    auto key = [&](std::string_view prefix, std::string_view raw) {
      out += first ? "" : ",";
      first = false;
      value.assign(prefix);
      decoded(value, raw);
      append_json_string(out, value);
      out += ':';
      value.clear();
    };
    for (pugi::xml_attribute a = el.first_attribute(); a; a = a.next_attribute()) {
      key("@", a.name());
      decoded(value, a.value());
      append_json_string(out, value);
    }
    if (std::string_view text = own_text(el, text_); !text.empty()) {
      key("#text", "");
      decoded(value, text);
      append_json_string(out, value);
    }
    for (const auto& [name, nodes] : children_by_name(el)) {
      key("", name);
      if (nodes.size() > 1) out += '[';
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, nodes[i]);
      }
      if (nodes.size() > 1) out += ']';
    }
    out += '}';
  }

  std::string file_;
  XmlOptions options_;
  util::Encoding encoding_ = util::Encoding::kUtf8;
  pugi::xml_document doc_;
  std::vector<pugi::xml_node> records_;
  size_t next_ = 0;
  std::string path_;  // name of the field being built
  std::string text_;  // scratch for own_text
  std::string decode_error_;
};

}  // namespace

Result<std::unique_ptr<RecordSource>> xml_records(std::string text, const std::string& subject,
                                                  const std::string& record,
                                                  std::optional<util::Encoding> encoding) {
  XmlOptions options;
  options.record = record;
  options.encoding = encoding;
  FileTable table{subject, subject};
  auto source = std::make_unique<XmlSource>(table, options);
  CSB_RETURN_IF_ERROR(source->start(std::move(text)));
  return std::unique_ptr<RecordSource>(std::move(source));
}

Result<std::unique_ptr<Connector>> open_xml(const ConnectionString& conn) {
  CSB_RETURN_IF_ERROR(check_options(conn, kOptions, "xml"));
  XmlOptions options;
  if (conn.options.count("encoding") != 0) {
    CSB_ASSIGN_OR_RETURN(options.encoding, encoding_option(conn));
  }
  options.record = conn.option("record");
  SourceFactory factory = [options](const FileTable& table) -> Result<std::unique_ptr<RecordSource>> {
    CSB_ASSIGN_OR_RETURN(std::string text, read_whole_file(table, "xml", ""));
    auto source = std::make_unique<XmlSource>(table, options);
    CSB_RETURN_IF_ERROR(source->start(std::move(text)));
    return std::unique_ptr<RecordSource>(std::move(source));
  };
  return open_file_connector(conn, {"xml", "XML", {".xml"}}, std::move(factory));
}

}  // namespace csbridge::connector
