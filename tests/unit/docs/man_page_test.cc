#include "docs/man_page.h"

#include <doctest/doctest.h>

namespace csbridge::docs {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("man page: roff escapes dashes, backslashes and leading dots") {
  CHECK(roff_escape("--format") == "\\-\\-format");
  CHECK(roff_escape("a\\b") == "a\\eb");
  CHECK(roff_escape(".hidden\n'quote") == "\\&.hidden\n\\&'quote");
}

TEST_CASE("man page: every command gets a section with its synopsis, options and footer") {
  CommandSpec root{"tool", "The tool does things.", "Exit codes:\n  0   fine\n  2   usage\n      (nothing written)\n", {}, {},
                   {}};
  ArgSpec config;
  config.names = {"--config", "-c"};
  config.help = "Project config";
  classify(config, "FILE", '\0');
  root.options.push_back(config);
  CommandSpec check{"check", "Check the files", "Examples:\n  tool check a.yaml   one file\n", {}, {}, {}};
  ArgSpec files;
  files.name = "files";
  files.many = true;
  classify(files, "FILE", '\0');
  check.positionals.push_back(files);
  ArgSpec dialect;
  dialect.names = {"--dialect"};
  dialect.required = true;
  classify(dialect, "postgres|sqlite", '\0');
  check.options.push_back(dialect);
  root.subcommands.push_back(check);

  std::string page = man_page(root, {"tool 1.0", "does things"});
  CHECK(has(page, ".TH TOOL 1 \"\" \"tool 1.0\" \"User Commands\"\n"));
  CHECK(has(page, ".SH NAME\ntool \\- does things\n"));
  CHECK(has(page, ".SS \"tool check\"\n.in +4\n.ti -4\n\\fBtool check\\fR \\fB\\-\\-dialect\\fR\\ \\fIpostgres|sqlite\\fR [\\fIFILES\\fR\\[u2026]]\n.in -4\n"));
  CHECK(has(page, ".TP\n\\fB\\-\\-config\\fR, \\fB\\-c\\fR \\fIFILE\\fR\nProject config\n"));
  CHECK(has(page, ".PP\n\\fBExamples:\\fR\n.TP\n\\fBtool check a.yaml\\fR\none file\n"));
  // The root's footer: each "Title:" a section, "  term  text" tagged paragraphs, deeper lines continuing.
  CHECK(has(page, ".SH EXIT CODES\n.TP\n\\fB0\\fR\nfine\n.TP\n\\fB2\\fR\nusage\n(nothing written)\n"));
}

}  // namespace csbridge::docs
