#include "docs/man_page.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "util/strings.h"

namespace csbridge::docs {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

size_t indent_of(const std::string& line) {
  size_t n = line.find_first_not_of(' ');
  return n == std::string::npos ? line.size() : n;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string bold(const std::string& s) { return "\\fB" + roff_escape(s) + "\\fR"; }
std::string italic(const std::string& s) { return "\\fI" + roff_escape(s) + "\\fR"; }

// "--source, -s CONN|NAME": the names in bold, the value in italics.
std::string arg_term(const ArgSpec& a) {
  std::string term;
  if (a.names.empty()) return italic(a.name) + (a.many ? "\\[u2026]" : "");
  for (const auto& n : a.names) term += (term.empty() ? "" : ", ") + bold(n);
  std::string value = value_label(a);
  if (!value.empty()) term += " " + italic(value);
  return term;
}

// A synopsis: the options the command requires, the others in brackets, then the arguments.
std::string synopsis(const std::string& path, const CommandSpec& c) {
  std::string s = bold(path);
  for (const ArgSpec& a : c.options) {
    bool help = std::find(a.names.begin(), a.names.end(), "--help") != a.names.end();
    if (help || a.names.empty()) continue;
    std::string name = a.names.front();
    for (const auto& n : a.names) {
      if (n.size() > 2) name = n;  // the long name
    }
    std::string value = value_label(a);
    std::string item = bold(name) + (value.empty() ? "" : "\\ " + italic(value));  // unbreakable space
    s += a.required ? " " + item : " [" + item + "]";
  }
  for (const ArgSpec& a : c.positionals) {
    std::string item = italic(upper(a.name)) + (a.many ? "\\[u2026]" : "");
    s += a.required ? " " + item : " [" + item + "]";
  }
  if (!c.subcommands.empty()) s += " " + italic("COMMAND");
  return s;
}

// A line whose continuation lines are indented (a long synopsis).
std::string hanging(const std::string& line) { return ".in +4\n.ti -4\n" + line + "\n.in -4\n"; }

// Help text that --help lays out as lines: a line "Title:" starts a titled part (a section
// of its own when `sections`, else a bold line), "  term  what" becomes a tagged paragraph,
// deeper-indented lines continue the one before, other lines are paragraphs.
std::string render_text(const std::string& text, bool sections) {
  std::string out;
  bool in_item = false;
  for (const std::string& raw : lines_of(text)) {
    std::string line = trim(raw);
    if (line.empty()) continue;
    size_t indent = indent_of(raw);
    if (indent == 0 && line.back() == ':') {
      std::string title = line.substr(0, line.size() - 1);
      out += sections ? ".SH " + roff_escape(upper(title)) + "\n" : ".PP\n" + bold(line) + "\n";
      in_item = false;
      continue;
    }
    size_t gap = line.find("  ");
    if (indent > 0 && indent <= 2 && gap != std::string::npos) {
      out += ".TP\n" + bold(line.substr(0, gap)) + "\n" + roff_escape(trim(line.substr(gap))) + "\n";
      in_item = true;
    } else if (indent > 2 && in_item) {
      out += roff_escape(line) + "\n";
    } else {
      out += (indent > 0 ? ".IP\n" : ".PP\n") + roff_escape(line) + "\n";
      in_item = false;
    }
  }
  return out;
}

std::string options_text(const std::vector<ArgSpec>& args) {
  std::string out;
  for (const ArgSpec& a : args) {
    out += ".TP\n" + arg_term(a) + "\n" + roff_escape(a.help.empty() ? "(no description)" : a.help) +
           (a.required ? " (required)" : "") + "\n";
  }
  return out;
}

std::string command_section(const std::string& path, const CommandSpec& c) {
  std::string out = ".SS \"" + roff_escape(path) + "\"\n" + hanging(synopsis(path, c)) + ".PP\n" + roff_escape(c.help) + "\n";
  if (!c.subcommands.empty()) {
    std::vector<std::string> names;
    for (const CommandSpec& s : c.subcommands) names.push_back(s.name);
    out += ".PP\nCommands: " + roff_escape(util::join(names, ", ")) + " (below).\n";
  }
  std::vector<ArgSpec> shown;
  for (const ArgSpec& a : c.options) {
    if (std::find(a.names.begin(), a.names.end(), "--help") == a.names.end()) shown.push_back(a);
  }
  shown.insert(shown.end(), c.positionals.begin(), c.positionals.end());
  if (!shown.empty()) out += ".RS\n" + options_text(shown) + ".RE\n";
  if (!c.footer.empty()) out += render_text(c.footer, false);
  return out;
}

}  // namespace

std::string roff_escape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      // Non-ASCII as groff's \[uXXXX], so the page reads the same whatever the input encoding.
      size_t len = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
      uint32_t cp = byte & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
      for (size_t k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
      i += len - 1;
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\[u%04X]", static_cast<unsigned>(cp));
      out += buf;
    } else if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c == '\n') {
      out += '\n';
    } else {
      out += c;
    }
  }
  // A line starting with '.' or '\'' would be read as a request.
  std::string safe;
  bool line_start = true;
  for (char c : out) {
    if (line_start && (c == '.' || c == '\'')) safe += "\\&";
    safe += c;
    line_start = c == '\n';
  }
  return safe;
}

std::string man_page(const CommandSpec& root, const ManPageInfo& info) {
  const std::string name = root.name;
  std::string out = ".\\\" Generated from the help text of " + name + "'s command table; do not edit.\n";
  out += ".TH " + upper(name) + " 1 \"\" \"" + roff_escape(info.version) + "\" \"User Commands\"\n";
  out += ".ad l\n.nh\n";  // ragged right, no hyphenation: option names stay whole
  out += ".SH NAME\n" + roff_escape(name) + " \\- " + roff_escape(info.summary) + "\n";
  out += ".SH SYNOPSIS\n";
  for (const CommandPath& p : command_paths(root)) {
    if (p.path.empty() || !p.command->subcommands.empty()) continue;
    out += hanging(synopsis(name + " " + p.path, *p.command));
  }
  out += ".SH DESCRIPTION\n" + render_text(root.help, false);
  out += ".PP\nCommands:\n";
  for (const CommandSpec& c : root.subcommands) out += ".TP\n" + bold(c.name) + "\n" + roff_escape(c.help) + "\n";
  out += ".PP\nGlobal options go before or after the command's words; results go to standard output (or "
         "\\fB\\-o\\fR), diagnostics to standard error.\n";
  out += ".SH \"GLOBAL OPTIONS\"\n" + options_text(root.options);
  out += ".SH COMMANDS\n";
  for (const CommandPath& p : command_paths(root)) {
    if (!p.path.empty()) out += command_section(name + " " + p.path, *p.command);
  }
  out += render_text(root.footer, true);
  return out;
}

}  // namespace csbridge::docs
