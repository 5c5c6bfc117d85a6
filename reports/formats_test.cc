// JUnit (validated with xmllint against reports/schema/junit.xsd), GitHub
// annotations, and the HTML report rendered in headless Chromium.
#include <gtest/gtest.h>

#include "core/files.h"
#include "reports/annotations.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/property.h"
#include "reports/test_fixtures.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using testing::SampleMatrix;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Validates `xml` against the JUnit schema; "" when valid, else xmllint's words.
std::string ValidateJUnit(const TempDir& dir, const std::string& xml) {
  const std::string path = dir.Sub("junit.xml");
  if (!WriteStringToFile(path, xml).ok()) return "cannot write " + path;
  CommandResult r = RunCommand({"/usr/bin/xmllint", "--noout", "--schema",
                                SourceDir() + "/reports/schema/junit.xsd", path});
  return r.exit_code == 0 ? "" : r.output;
}

TEST(JUnitTest, OneCasePerPropertyPerConfigurationAndValidates) {
  if (!PathExists("/usr/bin/xmllint")) {
    GTEST_SKIP() << "xmllint is not installed (Debian: libxml2-utils; ci/install-deps.sh)";
  }
  TempDir dir;
  MatrixReport m = SampleMatrix();
  // Recovered garbage may hold control characters; XML 1.0 forbids them.
  m.cells[0].report->findings[0].summary += std::string("\x01<&>\"", 5);
  const std::string xml = ToJUnitXml(m);
  EXPECT_EQ(ValidateJUnit(dir, xml), "") << xml;
  EXPECT_EQ(Count(xml, "<testsuite "), 3u);
  EXPECT_EQ(Count(xml, "<testcase "),
            3 * std::size(kAllProperties) + 1);  // + the cell that never ran
  EXPECT_EQ(Count(xml, "<error "), 1u);
  // sqlite: power cut violated; redis: process crash violated.
  EXPECT_EQ(Count(xml, "<failure "), 2u);
  EXPECT_NE(xml.find("replay: crashlab replay out --state drop-unsynced@113"), std::string::npos);
  EXPECT_NE(xml.find(ExplainKind(FindingKind::kLostCommit).substr(0, 40)), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"not tested\"/>"), std::string::npos);
  // The schema really is checked: a test case without a name is refused.
  std::string broken = xml;
  broken.replace(broken.find("<testcase name="), 15, "<testcase nome=");
  EXPECT_NE(ValidateJUnit(dir, broken), "");
}

TEST(AnnotationsTest, ErrorLinesAreEscapedForTheWorkflowParser) {
  EXPECT_EQ(EscapeCommandProperty("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
  EXPECT_EQ(EscapeCommandData("a:b,c%d\r\ne"), "a:b,c%25d%0D%0Ae");
  const std::string out = GitHubAnnotations(SampleMatrix(), "out/report.json");
  EXPECT_EQ(Count(out, "\n"), 3u) << out;  // 2 violated properties + 1 cell error
  EXPECT_EQ(Count(out, "::error file=out/report.json,title="), 3u) << out;
  EXPECT_NE(out.find("title=sqlite synchronous=off%3A Acknowledged writes survive a "
                     "power cut::violated: 2 acknowledged writes lost"),
            std::string::npos)
      << out;
  // Under a gate with nothing failing, violations become notices.
  GateResult g;
  const std::string gated = GitHubAnnotations(SampleMatrix(), "r.json", &g);
  EXPECT_EQ(Count(gated, "::notice "), 2u) << gated;
}

MatrixReport MatrixWithSweep() {
  MatrixReport m = SampleMatrix();
  m.cells[0].sweep = nlohmann::json::parse(R"({"files": [
      {"path": "auth.db", "size": 12288, "regions": [
        {"mode": "flip", "offset": 0, "length": 1, "result": "detected_and_refused"},
        {"mode": "flip", "offset": 1, "length": 1, "result": "repaired_correctly"},
        {"mode": "flip", "offset": 4096, "length": 4096, "result": "silent_wrong_data"},
        {"mode": "zero", "offset": 8192, "length": 4096, "result": "crash_or_hang"}]},
      {"path": "auth.db-wal", "regions": [
        {"offset": 0, "length": 32, "result": "silent_loss"}]}]})");
  return m;
}

TEST(HtmlTest, PageIsSelfContained) {
  const std::string html = ToHtml(MatrixWithSweep());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(Count(html, "<svg class=\"chart loss-window\""), 3u);
  EXPECT_EQ(Count(html, "<svg class=\"chart sweep-map\""), 1u);
  EXPECT_EQ(Count(html, "<article class=\"finding\""), 3u);
  EXPECT_EQ(ToHtml(SampleMatrix()).find("sweep-map"), std::string::npos);
}

// Renders the page in headless Chromium: the DOM it builds must hold the
// table and the charts, and a screenshot must come out as a PNG.
TEST(HtmlTest, RendersInHeadlessChromium) {
  if (!PathExists("/usr/bin/chromium")) {
    GTEST_SKIP() << "SKIPPED LOUDLY: /usr/bin/chromium is not installed, so the "
                    "HTML report cannot be rendered (Debian: chromium; "
                    "ci/install-deps.sh installs it)";
  }
  TempDir dir;
  const std::string page = dir.Sub("report.html");
  ASSERT_TRUE(WriteStringToFile(page, ToHtml(MatrixWithSweep())).ok());
  const std::string flags = "--headless --no-sandbox --disable-gpu --no-first-run "
                            "--user-data-dir=" + dir.Sub("profile") + " ";
  CommandResult dom = RunCommand(
      {"/bin/sh", "-c", "HOME=" + dir.path() + " chromium " + flags + "--dump-dom file://" +
                            page + " > " + dir.Sub("dom.html")},
      120000);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  auto text = ReadFileToString(dir.Sub("dom.html"));
  ASSERT_TRUE(text.ok());
  const std::string& d = *text;
  EXPECT_EQ(Count(d, "<table id=\"summary-table\">"), 1u) << d.substr(0, 2000);
  EXPECT_EQ(Count(d, "<tr data-property="), std::size(kAllProperties));
  EXPECT_EQ(Count(d, "<td class=\"v-"), std::size(kAllProperties) * 3);
  EXPECT_EQ(Count(d, "<svg class=\"chart loss-window\""), 3u);
  EXPECT_EQ(Count(d, "<circle class=\"lost"), 3u);  // 2 sqlite + 1 redis
  EXPECT_EQ(Count(d, "<line class=\"crash\""), 2u + 3 + 3);  // explore points + rounds
  EXPECT_EQ(Count(d, "<rect class=\"window\""), 1u);  // redis round 2
  EXPECT_EQ(Count(d, "<svg class=\"chart by-kind\""), 1u);
  EXPECT_EQ(Count(d, "<rect class=\"seg kind-lost_commit\""), 2u);
  EXPECT_EQ(Count(d, "<svg class=\"chart sweep-map\""), 1u);
  EXPECT_EQ(Count(d, "<rect class=\"region\""), 5u);

  CommandResult shot = RunCommand(
      {"/bin/sh", "-c", "cd " + dir.path() + " && HOME=" + dir.path() + " chromium " + flags +
                            "--hide-scrollbars --window-size=1200,2400 --screenshot=" +
                            dir.Sub("shot.png") + " file://" + page},
      120000);
  ASSERT_EQ(shot.exit_code, 0) << shot.output;
  auto png = ReadFileToString(dir.Sub("shot.png"));
  ASSERT_TRUE(png.ok()) << shot.output;
  EXPECT_GT(png->size(), 10000u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace crashlab
