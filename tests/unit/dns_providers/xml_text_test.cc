// The little XML reader the Route 53 provider needs (xml_text.h).
#include "dns_providers/xml_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certpilot::dns_providers {
namespace {

using ::testing::ElementsAre;

TEST(XmlTextTest, FindsElementsByExactTagName) {
  const std::string xml =
      "<?xml version=\"1.0\"?><R xmlns=\"x\"><HostedZones><HostedZone>"
      "<Id>/hostedzone/Z1</Id><Name>a.</Name></HostedZone><HostedZone "
      "kind=\"z\"><Id>Z2</Id><Empty/></HostedZone></HostedZones></R>";
  EXPECT_THAT(XmlElements(xml, "Id"), ElementsAre("/hostedzone/Z1", "Z2"));
  EXPECT_EQ(XmlElements(xml, "HostedZone").size(), 2u);
  EXPECT_EQ(XmlElements(xml, "HostedZones").size(), 1u);
  EXPECT_EQ(XmlText(xml, "Empty"), "");
  EXPECT_EQ(XmlText(xml, "Missing"), std::nullopt);
  EXPECT_TRUE(XmlElements("<Id>unterminated", "Id").empty());
}

TEST(XmlTextTest, EscapesAndUnescapes) {
  EXPECT_EQ(XmlEscape("\"a\" & <b>'"), "&quot;a&quot; &amp; &lt;b&gt;&apos;");
  EXPECT_EQ(XmlUnescape("&quot;v&quot; &#65;&#x42; &amp;amp; &bogus;"),
            "\"v\" AB &amp; &bogus;");
  EXPECT_EQ(XmlText("<V>&quot;tok&quot;</V>", "V"), "\"tok\"");
}

}  // namespace
}  // namespace certpilot::dns_providers
