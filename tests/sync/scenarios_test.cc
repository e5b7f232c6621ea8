// The rules of DESIGN §4–§6 as built, one named scenario each. docs/PROTOCOL.md cites these names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "admin/calendar_file.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "protocol/certificate_codec.h"

#include "sync/supervision.h"
#include "testing/scenario.h"

namespace govbus {
namespace {

using testing::Scenario;
using T = CaseEventType;
constexpr int64_t kDay = kDayMs;

struct Spec {
  const char* name;
  std::function<void(Scenario&)> run;
};

void expectVoid(Scenario& s, const RecordRef& ref, VoidReason reason) {
  EXPECT_EQ(voidReasonName(s.verdict(ref)), voidReasonName(reason)) << ref.author << "#" << ref.seq;
}
void expectValid(Scenario& s, const RecordRef& ref) { expectVoid(s, ref, VoidReason::kNone); }

// A county case of XK-COUNTY received and accepted at 芙蓉区.
RecordRef openCase(Scenario& s, const std::string& id, const std::string& item = "XK-COUNTY",
                   const std::string& handler = "430102", const std::string& region = "430102") {
  s.put(handler == region ? handler : region, Scenario::received(id, item, handler, region));
  return s.put(handler, Scenario::event(id, T::kAccepted));
}

// An instant in UTC+8, and the end (24:00 UTC+8) of a day.
int64_t at(int y, int m, int d, int hour = 10, int minute = 0) {
  return dayStartMs(*dayFromCivil({y, m, d})) + (hour * 60 + minute) * 60'000LL;
}
int64_t endOf(int y, int m, int d) { return dayStartMs(*dayFromCivil({y, m, d}) + 1); }

// A case of `item` received and accepted at 芙蓉区 at `when`; the acceptance's ref.
RecordRef clockCase(Scenario& s, const std::string& id, int64_t when,
                    const std::string& item = "XK-COUNTY") {
  s.put("430102", Scenario::received(id, item, "430102", "430102"), std::nullopt, when);
  return s.put("430102", Scenario::event(id, T::kAccepted), std::nullopt, when);
}

const HolidayCalendar& calendarOf(Scenario& s) {
  return s.replica().engine().authority().calendar();
}

// The province publishes the shipped 2026 calendar (data/calendar/cn-public-holidays.csv).
void publishCalendar2026(Scenario& s) {
  auto file = admin::readCalendarFile(std::filesystem::path(GOVBUS_TEST_DATA_DIR) / "calendar" /
                                      "cn-public-holidays.csv");
  ASSERT_TRUE(file.ok() && file->ok());
  for (const WorkingCalendar& y : file->years) {
    if (y.year == 2026) expectValid(s, s.put("430000", y));
  }
}

// `by` states it had stored `record`'s feed up to that record at `when`.
RecordRef witness(Scenario& s, const std::string& by, const RecordRef& record, int64_t when) {
  return s.put(by, Witness{{{record.author, record.seq}}}, std::nullopt, when);
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> all = {
      // ---------------- statutory holding and the handler rule ----------------
      {"CountyItemIsHandledByTheCountyItself",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-COUNTY", "430211"), "430211");
       }},
      {"CityItemIsHandledByTheCityOfTheApplicant",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
         EXPECT_EQ(s.handler("XK-CITY", "430211"), "430200");
       }},
      {"ProvinceItemIsHandledByTheProvince",
       [](Scenario& s) { EXPECT_EQ(s.handler("XK-PROV", "430103"), "430000"); }},
      {"ProvinceAdministeredCountyHoldsCountyItems",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-COUNTY", "430181"), "430181");
         EXPECT_EQ(s.handler("XK-CITY", "430181"), "") << "no city above 浏阳市 in the tree";
       }},
      {"UnknownItemHasNoHandler",
       [](Scenario& s) { EXPECT_EQ(s.handler("XK-NONE", "430102"), ""); }},

      // ---------------- catalog ----------------
      {"CatalogItemByACityIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::item("XK-X", 3, 20, 10)),
                    VoidReason::kCatalogNotByProvince);
       }},
      {"PromisedLongerThanTwoThirdsOfLegalIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-A", 3, 20, 14)),
                    VoidReason::kPromisedExceedsTwoThirds);
         expectValid(s, s.put("430000", Scenario::item("XK-B", 3, 20, 13)));  // ⌊40/3⌋ = 13
       }},
      {"CatalogUpdateRaisingTheLevelIsVoid",
       [](Scenario& s) {
         auto up =
             s.put("430000", Scenario::item("XK-COUNTY", 2, 20, 10, true, CatalogOp::kUpdate));
         expectVoid(s, up, VoidReason::kCatalogRaisesLevel);
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102") << "不得上收";
       }},
      {"CatalogUpdateLoweringTheLevelMovesTheHandlerDown",
       [](Scenario& s) {
         expectValid(
             s, s.put("430000", Scenario::item("XK-CITY", 3, 20, 12, true, CatalogOp::kUpdate)));
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430102");
       }},
      {"InsertingAnExistingItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-CITY", 2, 20, 12)),
                    VoidReason::kCatalogItemExists);
       }},
      {"UpdatingAnUnknownItemIsVoid",
       [](Scenario& s) {
         expectVoid(s,
                    s.put("430000", Scenario::item("XK-NEW", 2, 20, 12, true, CatalogOp::kUpdate)),
                    VoidReason::kUnknownItem);
       }},

      // ---------------- delegation ----------------
      {"ProvinceToCityToCountyChainMakesTheCountyTheHandler",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/true));
         auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
         expectValid(s, p);
         expectValid(s, c);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-PROV", "430103"), "430100") << "天心区 was not delegated to";
         Explanation x = s.explain("XK-PROV", "430102");
         ASSERT_EQ(x.path.size(), 3u);
         EXPECT_EQ(x.path[2].chain, (std::vector<RecordRef>{p, c}));
       }},
      {"ReDelegationWithoutTheRightIsVoid",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/false));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p)),
                    VoidReason::kRedelegationNotAllowed);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430100");
       }},
      {"DelegationUpwardIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Scenario::delegation("XK-COUNTY", "430100")),
                    VoidReason::kGranteeNotBelowAuthor);
       }},
      {"DelegationSidewaysIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430211")),
                    VoidReason::kGranteeNotBelowAuthor);
         expectVoid(s, s.put("430102", Scenario::delegation("XK-COUNTY", "430103")),
                    VoidReason::kGranteeNotBelowAuthor);
       }},
      {"DelegationByANodeThatDoesNotHoldTheItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102")),
                    VoidReason::kAuthorLacksAuthority);
       }},
      {"DelegationOfANonDelegableItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-FIXED", "430102")),
                    VoidReason::kItemNotDelegable);
       }},
      {"DelegationToAnUnenrolledNodeIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430104")),
                    VoidReason::kGranteeNotEnrolled);
       }},
      {"SubtreeDelegationReachesEveryCountyBelow",
       [](Scenario& s) {
         s.put("430000", Scenario::delegation("XK-PROV", "430100", false, std::nullopt,
                                              DelegationScope::kSubtree));
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-PROV", "430103"), "430103");
         EXPECT_EQ(s.handler("XK-PROV", "430211"), "430000") << "株洲 is outside the subtree";
       }},
      {"NodeDelegationReachesOnlyTheGrantee",
       [](Scenario& s) {
         s.put("430000", Scenario::delegation("XK-PROV", "430100"));
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430100");
       }},
      {"ReDelegationOutlivingItsParentIsVoid",
       [](Scenario& s) {
         Delegation parent = Scenario::delegation("XK-PROV", "430100", true);
         parent.validUntilMs = testing::kTestEpochMs + 30 * kDay;
         auto p = s.put("430000", parent);
         Delegation child = Scenario::delegation("XK-PROV", "430102", false, p);
         child.validUntilMs = 0;  // open-ended under a bounded parent
         expectVoid(s, s.put("430100", child), VoidReason::kPeriodOutsideParent);
       }},
      {"ExpiredDelegationNoLongerMakesAHandler",
       [](Scenario& s) {
         Delegation d = Scenario::delegation("XK-CITY", "430102");
         d.validUntilMs = testing::kTestEpochMs + 10 * kDay;
         s.put("430100", d);
         EXPECT_EQ(s.handler("XK-CITY", "430102", testing::kTestEpochMs + kDay), "430102");
         EXPECT_EQ(s.handler("XK-CITY", "430102", testing::kTestEpochMs + 11 * kDay), "430100");
       }},
      {"ReDelegationNamingAParentItsAuthorHadNotSeenIsVoid",
       [](Scenario& s) {
         Frontier before = s.frontier("430100");
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p), before),
                    VoidReason::kParentNotSeen);
       }},

      // ---------------- revocation ----------------
      {"RevocationCascadesDownTheChain",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
         s.put("430000", DelegationRevocation{p, false, "收回"});
         expectVoid(s, p, VoidReason::kRevoked);
         expectVoid(s, c, VoidReason::kParentRevoked);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430000");
       }},
      {"RevocationByTheGrantorsAncestorIsValid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         auto r = s.put("430000", DelegationRevocation{d, false, "省级收回"});
         expectValid(s, r);
         expectVoid(s, d, VoidReason::kRevoked);
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
       }},
      {"RevocationByAnUnrelatedNodeIsVoid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         expectVoid(s, s.put("430200", DelegationRevocation{d, false, ""}),
                    VoidReason::kRevokerNotGrantorOrAncestor);
         expectVoid(s, s.put("430102", DelegationRevocation{d, false, ""}),
                    VoidReason::kRevokerNotGrantorOrAncestor);
         expectValid(s, d);
       }},
      {"StatutoryAuthorityCannotBeRevoked",
       [](Scenario& s) {
         // A revocation can only name a delegation; naming the catalog record is void.
         auto r = s.put("430000", DelegationRevocation{RecordRef{"430000", 7}, false, ""});
         expectVoid(s, r, VoidReason::kRevocationTargetUnknown);
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102");
       }},
      {"ConcurrentRevocationBeatsSubDelegation",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         Frontier sawGrantOnly = s.frontier("430100");
         s.put("430000", DelegationRevocation{p, false, ""});
         // 长沙市 re-delegates without having seen the revocation: the ancestor wins.
         auto c =
             s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p), sawGrantOnly);
         expectVoid(s, c, VoidReason::kParentRevoked);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430000");
       }},

      // ---------------- cases ----------------
      {"CaseLifecycleRunsToClosed",
       [](Scenario& s) {
         openCase(s, "430102-1");
         for (T t : {T::kStepCompleted, T::kApproved, T::kClosed}) {
           expectValid(s, s.put("430102", Scenario::event("430102-1", t, "XK-2026-0001")));
         }
         CaseSummary c = s.caseOf("430102-1");
         EXPECT_EQ(c.status, CaseStatus::kClosed);
         EXPECT_EQ(c.validEvents, 5u);
       }},
      {"ApprovalBeforeAcceptanceIsAnIllegalTransition",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-2", "XK-COUNTY", "430102", "430102"));
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kApproved)),
                    VoidReason::kIllegalTransition);
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kClosed)),
                    VoidReason::kIllegalTransition);
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kResumed)),
                    VoidReason::kIllegalTransition);
         EXPECT_EQ(s.caseOf("430102-2").status, CaseStatus::kReceived);
       }},
      {"EventsAfterClosingAreIllegal",
       [](Scenario& s) {
         openCase(s, "430102-3");
         s.put("430102", Scenario::event("430102-3", T::kApproved, "L-1"));
         s.put("430102", Scenario::event("430102-3", T::kClosed));
         expectVoid(s, s.put("430102", Scenario::event("430102-3", T::kWithdrawn)),
                    VoidReason::kIllegalTransition);
         expectVoid(
             s, s.put("430102", Scenario::received("430102-3", "XK-COUNTY", "430102", "430102")),
             VoidReason::kCaseAlreadyReceived);
       }},
      {"WithdrawalStopsAnOpenCase",
       [](Scenario& s) {
         openCase(s, "430102-4");
         expectValid(s, s.put("430102", Scenario::event("430102-4", T::kWithdrawn, "申请人撤回")));
         EXPECT_EQ(s.caseOf("430102-4").status, CaseStatus::kWithdrawn);
       }},
      {"OnlyTheHandlerAuthorsLifecycleEvents",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-5", "XK-COUNTY", "430102", "430102"));
         expectVoid(s, s.put("430103", Scenario::event("430102-5", T::kAccepted)),
                    VoidReason::kNotTheHandler);
         expectVoid(s, s.put("430100", Scenario::event("430102-5", T::kAccepted)),
                    VoidReason::kNotTheHandler);
       }},
      {"EventForAnUnknownCaseIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Scenario::event("430102-404", T::kAccepted)),
                    VoidReason::kUnknownCase);
       }},
      {"CountyWindowReceivesACityCase",
       [](Scenario& s) {
         expectValid(
             s, s.put("430102", Scenario::received("430102-6", "XK-CITY", "430100", "430102")));
         expectValid(s, s.put("430100", Scenario::event("430102-6", T::kAccepted)));
         EXPECT_EQ(s.caseOf("430102-6").handler, "430100");
         EXPECT_EQ(s.caseOf("430102-6").receiver, "430102");
       }},
      {"AcceptanceWithoutAuthorityIsVoid",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-7", "XK-CITY", "430102", "430102"));
         expectVoid(s, s.put("430102", Scenario::event("430102-7", T::kAccepted)),
                    VoidReason::kHandlerLacksAuthority);
       }},
      {"HolderAboveTheNearestOneMayNotAcceptTheCase",
       [](Scenario& s) {
         // 长沙市 delegated XK-CITY to 芙蓉区, so 芙蓉区 is the nearest holder (就近办理).
         s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-40", "XK-CITY", "430100", "430102"));
         expectVoid(s, s.put("430100", Scenario::event("430102-40", T::kAccepted)),
                    VoidReason::kNotTheNearestHolder);
         // Handing the case to the nearest holder puts it right.
         expectValid(s, s.put("430100", Scenario::event("430102-40", T::kTransferred, "430102")));
         expectValid(s, s.put("430102", Scenario::event("430102-40", T::kAccepted)));
       }},
      {"CityCannotTakeOverAProvinceAdministeredCountyByReEnrolment",
       [](Scenario& s) {
         Certificate c = *decodeCertificateBody(s.network().node("430181").certificate.body);
         c.issuer = "430100";
         c.serial = 2;
         c.issuerSerial = 1;
         c.publicKey = toBytes(SigningKey::generate().publicKey().bytes());
         auto takeover = s.put("430100", issueCertificate(c, s.network().node("430100").key));
         expectVoid(s, takeover, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430181"), "430000");
         auto admitted =
             s.replica().trust().admit(issueCertificate(c, s.network().node("430100").key));
         EXPECT_FALSE(admitted.ok()) << "the door refuses it too";
       }},
      {"AcceptanceUnderDelegatedAuthorityIsValid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-8", "XK-CITY", "430102", "430102", d));
         expectValid(s, s.put("430102", Scenario::event("430102-8", T::kAccepted)));
       }},
      {"GoodFaithAcceptanceUnderAnUnseenRevocationIsKeptAndFlagged",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-9", "XK-CITY", "430102", "430102", d));
         Frontier before = s.frontier("430102");
         auto r = s.put("430100", DelegationRevocation{d, false, "收回"});
         auto acc = s.put("430102", Scenario::event("430102-9", T::kAccepted), before);
         expectValid(s, acc);
         CaseSummary c = s.caseOf("430102-9");
         EXPECT_TRUE(c.authorityConflict);
         EXPECT_EQ(c.conflictRevocation, r);
         EXPECT_EQ(c.handler, "430102") << "without transfer_pending the case stays";
       }},
      {"TransferPendingRevocationMovesTheGoodFaithCase",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-10", "XK-CITY", "430102", "430102", d));
         Frontier before = s.frontier("430102");
         s.put("430100", DelegationRevocation{d, true, "收回并移交"});
         s.put("430102", Scenario::event("430102-10", T::kAccepted), before);
         EXPECT_EQ(s.caseOf("430102-10").handler, "430100");
         // The old handler, once it has seen the revocation, is no longer the handler.
         expectVoid(s, s.put("430102", Scenario::event("430102-10", T::kApproved, "L")),
                    VoidReason::kNotTheHandler);
         expectValid(s, s.put("430100", Scenario::event("430102-10", T::kApproved, "L")));
       }},
      {"AcceptanceTheRevokerHadSeenIsNotAConflict",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-41", "XK-CITY", "430102", "430102", d));
         s.put("430102", Scenario::event("430102-41", T::kAccepted));
         // 长沙市 revokes having seen 芙蓉区's feed up to the acceptance: not concurrent.
         Frontier sawCounty = s.frontier("430100");
         sawCounty.push_back({"430102", s.network().node("430102").seq});
         std::sort(sawCounty.begin(), sawCounty.end());
         s.put("430100", DelegationRevocation{d, false, "到期收回"}, sawCounty);
         EXPECT_FALSE(s.caseOf("430102-41").authorityConflict);
         EXPECT_EQ(s.caseOf("430102-41").handler, "430102");
       }},
      {"AcceptanceAfterSeeingTheRevocationIsVoid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-11", "XK-CITY", "430102", "430102", d));
         s.put("430100", DelegationRevocation{d, false, ""});
         expectVoid(s, s.put("430102", Scenario::event("430102-11", T::kAccepted)),
                    VoidReason::kHandlerLacksAuthority);
       }},
      {"DenialWithoutReasonAndBasisIsRefused",
       [](Scenario& s) {
         openCase(s, "430102-12");
         expectVoid(s, s.put("430102", Scenario::event("430102-12", T::kDenied, "")),
                    VoidReason::kDenialWithoutReason);
         expectValid(s, s.put("430102", Scenario::event("430102-12", T::kDenied, "材料不实")));
         EXPECT_TRUE(s.caseOf("430102-12").denied);
       }},

      // ---------------- supervision orders ----------------
      {"HaltOrderBeatsAConcurrentApproval",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-13");
         Frontier before = s.frontier("430102");
         expectValid(s, s.put("430000", Scenario::order("430102-13", OrderKind::kHalt, acc)));
         auto approve = s.put("430102", Scenario::event("430102-13", T::kApproved, "L"), before);
         expectVoid(s, approve, VoidReason::kContradictsUnseenHaltOrder);
         EXPECT_TRUE(s.caseOf("430102-13").halted);
       }},
      {"ApprovalAfterSeeingTheHaltIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-14");
         s.put("430100", Scenario::order("430102-14", OrderKind::kHalt, acc));
         expectVoid(s, s.put("430102", Scenario::event("430102-14", T::kApproved, "L")),
                    VoidReason::kContradictsHaltOrder);
         expectValid(s, s.put("430102", Scenario::event("430102-14", T::kSuspended, "待上级意见")));
       }},
      {"CorrectionOrderReopensTheReview",
       [](Scenario& s) {
         openCase(s, "430102-15");
         auto approved = s.put("430102", Scenario::event("430102-15", T::kApproved, "L"));
         expectValid(s,
                     s.put("430100", Scenario::order("430102-15", OrderKind::kCorrect, approved)));
         EXPECT_EQ(s.caseOf("430102-15").status, CaseStatus::kUnderReview);
         expectValid(s,
                     s.put("430102", Scenario::event("430102-15", T::kDenied, "复核不符合条件")));
       }},
      {"CorrectionWithNothingToCorrectIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-16");
         expectVoid(s, s.put("430100", Scenario::order("430102-16", OrderKind::kCorrect, acc)),
                    VoidReason::kOrderNothingToCorrect);
       }},
      {"TransferOrderMovesTheCaseToTheNewHandler",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-17");
         Frontier before = s.frontier("430102");
         expectValid(
             s, s.put("430100", Scenario::order("430102-17", OrderKind::kTransfer, acc, "430100")));
         expectVoid(s, s.put("430102", Scenario::event("430102-17", T::kApproved, "L"), before),
                    VoidReason::kNotTheHandler);
         expectValid(s, s.put("430100", Scenario::event("430102-17", T::kApproved, "L")));
         EXPECT_EQ(s.caseOf("430102-17").handler, "430100");
       }},
      {"OrderFromANonAncestorIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-18");
         expectVoid(s, s.put("430200", Scenario::order("430102-18", OrderKind::kUrge, acc)),
                    VoidReason::kOrderNotByAncestor);
         expectVoid(s, s.put("430103", Scenario::order("430102-18", OrderKind::kHalt, acc)),
                    VoidReason::kOrderNotByAncestor);
       }},
      {"UrgeOrdersAreCounted",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-19");
         s.put("430100", Scenario::order("430102-19", OrderKind::kUrge, acc));
         s.put("430000", Scenario::order("430102-19", OrderKind::kUrge, acc));
         EXPECT_EQ(s.caseOf("430102-19").urges, 2u);
       }},
      {"OrderNamingAnEventOutsideTheCaseIsVoid",
       [](Scenario& s) {
         openCase(s, "430102-20");
         expectVoid(s,
                    s.put("430100",
                          Scenario::order("430102-20", OrderKind::kUrge, RecordRef{"430103", 1})),
                    VoidReason::kOrderLastSeenNotInCase);
       }},

      // ---------------- deadlines and cards ----------------
      {"MaterialsRequestPausesTheClock",
       [](Scenario& s) {
         // Working days, Monday–Friday (no calendar yet). Accepted Mon 03-02; materials requested
         // Wed 03-04, supplied Mon 03-09 afternoon: Thu, Fri and Mon were paused at their start.
         clockCase(s, "430102-21", at(2026, 3, 2));
         s.put("430102", Scenario::event("430102-21", T::kMaterialsRequested), std::nullopt,
               at(2026, 3, 4));
         s.put("430102", Scenario::event("430102-21", T::kMaterialsSupplied), std::nullopt,
               at(2026, 3, 9, 15));
         CaseSummary c = s.caseOf("430102-21");
         Deadline d = deadlineAt(c, at(2026, 3, 12, 0), calendarOf(s));
         EXPECT_EQ(d.usedMs, 4 * kDay) << "Tue 3, Wed 4, Tue 10, Wed 11";
         EXPECT_EQ(d.dueAtMs, endOf(2026, 3, 19)) << "10 working days, three of them paused";
         EXPECT_TRUE(d.provisional) << "no 2026 calendar published in this scenario";
       }},
      {"SuspensionStopsTheClockUntilResumed",
       [](Scenario& s) {
         clockCase(s, "430102-22", at(2026, 3, 2));
         s.put("430102", Scenario::event("430102-22", T::kSuspended, "听证"), std::nullopt,
               at(2026, 3, 3));
         CaseSummary c = s.caseOf("430102-22");
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 31), calendarOf(s)).usedMs, kDay) << "Tue 3 only";
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 31), calendarOf(s)).card, Card::kGreen);
         EXPECT_EQ(c.dueAtMs, 0) << "unknown while paused";
         s.put("430102", Scenario::event("430102-22", T::kResumed), std::nullopt, at(2026, 3, 5));
         EXPECT_EQ(deadlineAt(s.caseOf("430102-22"), at(2026, 3, 9, 0), calendarOf(s)).usedMs,
                   2 * kDay)
             << "Tue 3 and Fri 6: Wed 4 and Thu 5 were paused at their start";
       }},
      {"YellowCardAtTwoThirdsOfThePromisedTime",
       [](Scenario& s) {
         clockCase(s, "430102-23", at(2026, 3, 2));
         CaseSummary c = s.caseOf("430102-23");  // promised 10 working days
         // 6 days used at Wed 03-11 00:00; two thirds of 10 (6⅔) at 16:00 that day.
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 11, 15, 59), calendarOf(s)).card, Card::kGreen);
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 11, 16), calendarOf(s)).card, Card::kYellow);
         EXPECT_EQ(deadlineAt(c, endOf(2026, 3, 16), calendarOf(s)).card, Card::kYellow)
             << "the last instant of the 10th working day";
       }},
      {"RedCardPastThePromiseAndPastLegalBeyondTheLaw",
       [](Scenario& s) {
         clockCase(s, "430102-24", at(2026, 3, 2));
         CaseSummary c = s.caseOf("430102-24");  // promised 10, legal 20 working days
         EXPECT_EQ(c.dueAtMs, endOf(2026, 3, 16));
         EXPECT_EQ(c.legalDueAtMs, endOf(2026, 3, 30));
         EXPECT_EQ(deadlineAt(c, endOf(2026, 3, 16) + 1, calendarOf(s)).card, Card::kRed);
         EXPECT_FALSE(deadlineAt(c, endOf(2026, 3, 30), calendarOf(s)).pastLegal);
         EXPECT_TRUE(deadlineAt(c, endOf(2026, 3, 30) + 1, calendarOf(s)).pastLegal);
       }},

      // ---------------- working days (工作日) by the published calendar ----------------
      {"TenWorkingDaysFromTheMidAutumnWeekEndOnOctoberFourteenth",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W10", 3, 15, 10));
         clockCase(s, "430102-60", at(2026, 9, 23), "XK-W10");
         CaseSummary c = s.caseOf("430102-60");
         EXPECT_EQ(c.dueAtMs, 1791993600000) << "end of Wed 2026-10-14";
         EXPECT_FALSE(c.provisional);
       }},
      {"FiveWorkingDaysAcrossSpringFestivalEndOnFebruaryTwentySixth",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W5", 3, 9, 5));
         clockCase(s, "430102-61", at(2026, 2, 12), "XK-W5");
         EXPECT_EQ(s.caseOf("430102-61").dueAtMs, 1772121600000) << "end of Thu 2026-02-26";
       }},
      {"TwentyWorkingDaysIntoAYearWithoutACalendarAreProvisionalUntilItsCalendarArrives",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W20", 3, 30, 20));
         clockCase(s, "430102-62", at(2026, 12, 31), "XK-W20");
         CaseSummary c = s.caseOf("430102-62");
         EXPECT_EQ(c.dueAtMs, 1801152000000) << "end of 2027-01-28, Monday to Friday";
         EXPECT_TRUE(c.provisional);
         // The 2027 calendar arrives: New Year's Day is a holiday, so one more day is needed.
         s.put("430000", WorkingCalendar{2027, {"2027-01-01"}, {}, "test"});
         c = s.caseOf("430102-62");
         EXPECT_EQ(c.dueAtMs, endOf(2027, 1, 29));
         EXPECT_FALSE(c.provisional);
       }},
      {"CalendarDayItemCountsEveryDay",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-C10", 3, 15, 10, true, CatalogOp::kInsert,
                                        LimitUnit::kCalendarDays));
         clockCase(s, "430102-63", at(2026, 9, 23), "XK-C10");
         CaseSummary c = s.caseOf("430102-63");
         EXPECT_EQ(c.dueAtMs, endOf(2026, 10, 3)) << "through the 国庆 holidays";
         EXPECT_FALSE(c.provisional);
         EXPECT_EQ(deadlineAt(c, at(2026, 10, 1, 12), calendarOf(s)).card, Card::kYellow)
             << "7.5 of 10 calendar days used";
       }},
      {"ALaterCalendarForTheSameYearReplacesTheEarlierOne",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W10", 3, 15, 10));
         clockCase(s, "430102-64", at(2026, 9, 23), "XK-W10");
         RecordRef second = s.put("430000", WorkingCalendar{2026, {}, {}, "corrected"});
         expectValid(s, second);
         EXPECT_EQ(s.caseOf("430102-64").dueAtMs, endOf(2026, 10, 7))
             << "Monday to Friday only, by the newer publication";
         EXPECT_EQ(s.replica().engine().authority().calendarRecords().at(2026), second);
       }},
      {"CalendarNotByTheProvinceIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", WorkingCalendar{2026, {"2026-03-03"}, {}, ""}),
                    VoidReason::kCalendarNotByProvince);
         EXPECT_FALSE(s.replica().engine().authority().calendar().hasYear(2026));
       }},
      {"SettingsAreTheProvincesKnownAndWithinRange",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", ProvinceSetting{"witness_tolerance_ms", 60'000}),
                    VoidReason::kSettingNotByProvince);
         expectVoid(s, s.put("430000", ProvinceSetting{"witness_tolerance_days", 1}),
                    VoidReason::kSettingUnknown);
         expectVoid(s, s.put("430000", ProvinceSetting{"witness_tolerance_ms", -1}),
                    VoidReason::kSettingOutOfRange);
         expectVoid(s, s.put("430000", ProvinceSetting{"witness_tolerance_ms", 7 * kDay + 1}),
                    VoidReason::kSettingOutOfRange);
         EXPECT_EQ(s.replica().engine().authority().setting("witness_tolerance_ms"),
                   15 * 60'000)
             << "the default";
         expectValid(s, s.put("430000", ProvinceSetting{"witness_tolerance_ms", 7 * kDay}));
         EXPECT_EQ(s.replica().engine().authority().setting("witness_tolerance_ms"), 7 * kDay);
       }},

      // ---------------- witnessed time ----------------
      {"BackdatedApprovalCountsAtItsWitnessedTimeAndGetsTheRedCard",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W10", 3, 15, 10));
         RecordRef accepted = clockCase(s, "430102-65", at(2026, 9, 23), "XK-W10");
         witness(s, "430100", accepted, at(2026, 9, 23, 10, 1));
         // Approved really on 10-20 (past the due date 10-14), claimed as Monday 10-12 00:00.
         RecordRef approved = s.put("430102", Scenario::event("430102-65", T::kApproved, "证-1"),
                                    std::nullopt, at(2026, 10, 12, 0));
         EXPECT_EQ(deadlineAt(s.caseOf("430102-65"), at(2026, 10, 25), calendarOf(s)).usedMs,
                   7 * kDay)
             << "before the witness, the claimed time counts";
         witness(s, "430100", approved, at(2026, 10, 20));
         CaseSummary c = s.caseOf("430102-65");
         ASSERT_EQ(c.flaggedTimes.size(), 1u);
         EXPECT_EQ(c.flaggedTimes[0].ref, approved);
         EXPECT_EQ(c.flaggedTimes[0].lateMs(), at(2026, 10, 20) - at(2026, 10, 12, 0));
         EXPECT_EQ(c.endedAtMs, at(2026, 10, 20)) << "the clock stopped when it was witnessed";
         Deadline d = deadlineAt(c, at(2026, 10, 25), calendarOf(s));
         EXPECT_TRUE(d.overdue());
       }},
      {"AnEventWitnessedWithinTheToleranceIsNotFlagged",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-66", at(2026, 3, 2));
         witness(s, "430100", accepted, at(2026, 3, 2) + 15 * 60'000);
         EXPECT_TRUE(s.caseOf("430102-66").flaggedTimes.empty()) << "exactly the tolerance";
         RecordRef step = s.put("430102", Scenario::event("430102-66", T::kStepCompleted, "审查"),
                                std::nullopt, at(2026, 3, 3));
         witness(s, "430100", step, at(2026, 3, 3) + 15 * 60'000 + 1);
         EXPECT_EQ(s.caseOf("430102-66").flaggedTimes.size(), 1u) << "one millisecond more";
       }},
      {"FutureDatedAcceptanceStartsTheClockAtItsWitness",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-67", "XK-COUNTY", "430102", "430102"),
               std::nullopt, at(2026, 3, 2));
         RecordRef accepted = s.put("430102", Scenario::event("430102-67", T::kAccepted),
                                    std::nullopt, at(2026, 3, 9));
         witness(s, "430100", accepted, at(2026, 3, 2, 10, 10));
         CaseSummary c = s.caseOf("430102-67");
         EXPECT_EQ(c.acceptedAtMs, at(2026, 3, 2, 10, 10));
         ASSERT_EQ(c.flaggedTimes.size(), 1u);
         EXPECT_LT(c.flaggedTimes[0].lateMs(), 0) << "future-dated";
       }},
      {"TheEarliestWitnessOfAnyAncestorCounts",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-68", at(2026, 3, 2));
         witness(s, "430100", accepted, at(2026, 3, 2, 10, 5));
         RecordRef step = s.put("430102", Scenario::event("430102-68", T::kStepCompleted, "审查"),
                                std::nullopt, at(2026, 3, 3));
         witness(s, "430000", step, at(2026, 3, 6));
         EXPECT_EQ(s.caseOf("430102-68").flaggedTimes.at(0).witnessedMs, at(2026, 3, 6));
         witness(s, "430100", step, at(2026, 3, 4));  // the city had it earlier
         EXPECT_EQ(s.caseOf("430102-68").flaggedTimes.at(0).witnessedMs, at(2026, 3, 4));
       }},
      {"AWitnessThatIsNotAnAncestorInTheTreeDoesNotCount",
       [](Scenario& s) {
         // 浏阳市 430181 lies inside 长沙市's code region but is enrolled by the province.
         s.put("430181", Scenario::received("430181-1", "XK-COUNTY", "430181", "430181"),
               std::nullopt, at(2026, 3, 2));
         RecordRef accepted = s.put("430181", Scenario::event("430181-1", T::kAccepted),
                                    std::nullopt, at(2026, 3, 2));
         expectValid(s, witness(s, "430100", accepted, at(2026, 3, 20)));
         EXPECT_TRUE(s.caseOf("430181-1").flaggedTimes.empty());
       }},
      {"WitnessNamingAFeedOutsideItsRegionIsVoid",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-69", at(2026, 3, 2));
         expectVoid(s, witness(s, "430200", accepted, at(2026, 3, 20)),
                    VoidReason::kWitnessNotByAncestor);
         EXPECT_TRUE(s.caseOf("430102-69").flaggedTimes.empty());
       }},
      {"TheWitnessToleranceIsAProvinceSetting",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-70", at(2026, 3, 2));
         witness(s, "430100", accepted, at(2026, 3, 2, 11));  // an hour later
         EXPECT_EQ(s.caseOf("430102-70").flaggedTimes.size(), 2u) << "received and accepted";
         s.put("430000", ProvinceSetting{"witness_tolerance_ms", 2 * 3600 * 1000});
         EXPECT_TRUE(s.caseOf("430102-70").flaggedTimes.empty());
       }},
      {"SecondMaterialsRequestIsListedAsAFinding",
       [](Scenario& s) {
         openCase(s, "430102-25");
         s.put("430102", Scenario::event("430102-25", T::kMaterialsRequested));
         s.put("430102", Scenario::event("430102-25", T::kMaterialsSupplied));
         expectValid(s, s.put("430102", Scenario::event("430102-25", T::kMaterialsRequested)));
         EXPECT_TRUE(s.caseOf("430102-25").secondMaterialsRequest());
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         ASSERT_TRUE(board.ok());
         ASSERT_EQ(board->secondMaterialsRequests.size(), 1u);
         EXPECT_EQ(board->secondMaterialsRequests[0].caseId, "430102-25");
       }},
      {"ProvinceOverdueCountsAreTheSumOverItsSubtree",
       [](Scenario& s) {
         int n = 0;
         for (const char* county : {"430102", "430103", "430211", "430181"}) {
           for (int i = 0; i < 2; ++i) {
             // Accepted Mon 03-02 (red by 03-18) and Mon 03-09 (6.75 of 10 days used: yellow).
             std::string id = std::string(county) + "-od" + std::to_string(n++);
             int64_t accepted = at(2026, 3, 2 + 7 * i);
             s.put(county, Scenario::received(id, "XK-COUNTY", county, county), std::nullopt,
                   accepted);
             s.put(county, Scenario::event(id, T::kAccepted), std::nullopt, accepted);
           }
         }
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000",
                                      at(2026, 3, 18, 18));
         ASSERT_TRUE(board.ok());
         EXPECT_EQ(board->total().red, 4u);
         EXPECT_EQ(board->total().yellow, 4u);
         CardCounts sum;
         for (const char* child : {"430100", "430200", "430181"}) sum += board->subtree.at(child);
         sum += board->own["430000"];
         EXPECT_EQ(sum, board->total());
         EXPECT_EQ(board->subtree.at("430100").red, 2u);
       }},

      // ---------------- forks ----------------
      {"ForkMakesTheAuthorsLaterRecordsVoid",
       [](Scenario& s) {
         openCase(s, "430102-26");
         Envelope e = s.network().nextEnvelope("430102");
         e.frontier = s.frontier("430102");
         SignedRecord a =
             s.network().signAs("430102", e, Scenario::event("430102-26", T::kApproved, "L-a"));
         SignedRecord b =
             s.network().signAs("430102", e, Scenario::event("430102-26", T::kDenied, "两套结果"));
         auto& n = s.network().node("430102");
         s.deliver({a});
         n.seq = e.seq;
         n.lamport = e.lamport;
         n.lastId = blake2b256(a.body);
         RecordRef forked{"430102", e.seq};
         expectValid(s, forked);
         s.put("430100", ForkReport{"430102", e.seq, a, b});
         expectVoid(s, forked, VoidReason::kAuthorForked);
         EXPECT_EQ(s.caseOf("430102-26").status, CaseStatus::kUnderReview)
             << "the forked approval changes nothing";
         expectValid(s, RecordRef{"430102", e.seq - 1});
       }},
      {"ForkReportWithoutTwoDifferentSignedRecordsIsVoid",
       [](Scenario& s) {
         SignedRecord a =
             s.sign("430102", Scenario::received("430102-27", "XK-COUNTY", "430102", "430102"));
         s.deliver({a});
         expectVoid(s, s.put("430100", ForkReport{"430102", 1, a, a}),
                    VoidReason::kForkReportInvalid);
       }},

      // ---------------- complaints ----------------
      {"ComplaintIsRoutedToTheHandlersParent",
       [](Scenario& s) {
         s.put("430102", Complaint{"c-1", "430102-1", "430102", "窗口推诿"});
         expectValid(s,
                     s.put("430100", ComplaintUpdate{"c-1", ComplaintStatus::kHandling, "已受理"}));
         expectVoid(s, s.put("430103", ComplaintUpdate{"c-1", ComplaintStatus::kResolved, ""}),
                    VoidReason::kComplaintUpdateNotBySupervisor);
         auto view = s.replica().store().beginRead();
         auto board =
             supervisionView(**view, s.replica().engine().authority(), "430000", s.now() + kDay);
         ASSERT_EQ(board->openComplaints.size(), 1u);
         EXPECT_EQ(board->openComplaints[0].summary.routedTo, "430100");
         EXPECT_GE(board->openComplaints[0].ageMs, kDay);
       }},
      {"ResolvedComplaintLeavesTheBoard",
       [](Scenario& s) {
         s.put("430211", Complaint{"c-2", "", "430211", "超时"});
         expectValid(s,
                     s.put("430000", ComplaintUpdate{"c-2", ComplaintStatus::kResolved, "已整改"}));
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         EXPECT_TRUE(board->openComplaints.empty());
       }},

      // ---------------- the node refuses to author void records ----------------
      {"NodeRefusesToAuthorARecordItsStateJudgesVoid",
       [](Scenario& s) {
         // 芙蓉区's own replica, on its own store, after it has all records so far.
         testing::TempDir dir;
         auto store = LmdbStore::open(dir.path());
         ASSERT_TRUE(store.ok());
         Identity id{"430102", 1, &s.network().node("430102").key, {"430000", "430100"}};
         auto county = Replica::open(**store, s.network().anchor(), id);
         ASSERT_TRUE(county.ok());
         std::vector<Bytes> raw;
         for (const auto& r : s.history()) raw.push_back(testing::wireBytes(r));
         ASSERT_TRUE((*county)->ingest(raw).ok());
         auto bad = (*county)->author(Scenario::event("430102-x", T::kAccepted), s.now());
         ASSERT_FALSE(bad.ok());
         EXPECT_NE(bad.error().message.find("unknown_case"), std::string::npos)
             << bad.error().message;
         auto head = (*(*store)->beginRead())->head("430102");
         EXPECT_FALSE(head->has_value()) << "nothing was written";
         EXPECT_TRUE(
             (*county)
                 ->author(Scenario::received("430102-x", "XK-COUNTY", "430102", "430102"), s.now())
                 .ok());
         auto ok = (*county)->author(Scenario::event("430102-x", T::kAccepted), s.now());
         EXPECT_TRUE(ok.ok()) << ok.error().message;
       }},
  };
  return all;
}

class ScenarioTest : public ::testing::TestWithParam<Spec> {};

TEST_P(ScenarioTest, Holds) {
  Scenario s;
  GetParam().run(s);
}

INSTANTIATE_TEST_SUITE_P(Rules, ScenarioTest, ::testing::ValuesIn(specs()),
                         [](const ::testing::TestParamInfo<Spec>& info) {
                           return std::string(info.param.name);
                         });

TEST(ScenarioSuite, HasAtLeastFortyNamedScenarios) { EXPECT_GE(specs().size(), 40u); }

}  // namespace
}  // namespace govbus
