import Foundation
import Testing
@testable import EnthuseCore

/// One edit to a sample export, and whether the XSD must still accept it.
struct SampleEdit: Sendable, CustomTestStringConvertible {
    let sample: String
    let schema: String
    let replace: String
    let with: String
    /// What the first violation's message must contain; nil when the edited file is still valid.
    let violation: String?
    /// Where libxml2 reports the violation, when not on the edited line.
    var reportedOn: Int? = nil
    var testDescription: String { "\(replace) → \(with)" }

    static func partnerships(_ replace: String, _ with: String, _ violation: String?, reportedOn: Int? = nil) -> SampleEdit {
        SampleEdit(
            sample: "partnerships_20261128.xml", schema: "partnerships.xsd", replace: replace, with: with,
            violation: violation, reportedOn: reportedOn)
    }

    static func ledger(_ replace: String, _ with: String, _ violation: String?) -> SampleEdit {
        SampleEdit(
            sample: "contributions_20140405.xml", schema: "finance-ledger.xsd", replace: replace, with: with,
            violation: violation)
    }
}

/// The XSDs are the contract with the CRM and finance exports: these tests pin down what each
/// one accepts and refuses, one edit of a real sample at a time.
@Suite struct XSDContractTests {
    @Test(arguments: [
        SampleEdit.partnerships("id=\"EP-0002\"", "id=\"EP-002\"", "'EP-002' is not accepted by the pattern"),
        // A duplicate is found when the second partnership ends.
        SampleEdit.partnerships("id=\"EP-0018\"", "id=\"EP-0002\"", "Duplicate key-sequence ['EP-0002']", reportedOn: 32),
        SampleEdit.partnerships("<LeadURN>137188<", "<LeadURN>13718<", "'13718' is not accepted by the pattern"),
        SampleEdit.partnerships("<Focus>Science<", "<Focus>Biology<", "'Biology' is not an element of the set"),
        SampleEdit.partnerships("<Name>Devon Science Network<", "<Name> <", "has a length of '0'"),
        SampleEdit.partnerships("currency=\"GBP\">12000.00<", "currency=\"EUR\">12000.00<", "fixed value constraint 'GBP'"),
        SampleEdit.partnerships(">12000.00<", ">12000.001<", "more fractional digits than are allowed ('2')"),
        SampleEdit.partnerships(">12000.00<", ">-12000.00<", "'-12000.00' is not accepted by the pattern"),
        SampleEdit.partnerships("joined=\"2014-09-01\" left", "joined=\"01/09/2014\" left", "'01/09/2014' is not a valid value"),
        SampleEdit.partnerships("start=\"2014-09-01\"", "start=\"2014-09-01Z\"", "is not accepted by the pattern"),
        SampleEdit.partnerships("<Focus>Mathematics</Focus>", "<Focus>Mathematics</Focus><Focus>Computing</Focus>", nil),
        SampleEdit.ledger("<Kind>pledge<", "<Kind>gift<", "'gift' is not an element of the set {'pledge', 'receipt', 'refund'}"),
        SampleEdit.ledger("<Round>2008<", "<Round>2008/9<", "'2008/9' is not accepted by the pattern"),
        SampleEdit.ledger("ref=\"FIN-2008-0001\"", "ref=\"FIN-2008-1\"", "'FIN-2008-1' is not accepted by the pattern"),
        SampleEdit.ledger(">500000.00<", ">£500,000.00<", "'£500,000.00' is not a valid value"),
        SampleEdit.ledger(">500000.00<", ">500000.005<", "more fractional digits than are allowed ('2')"),
        SampleEdit.ledger("<Date>2008-03-25<", "<Date>2008-02-30<", "'2008-02-30' is not a valid value"),
        SampleEdit.ledger("<Funder id=\"VOD\">Vodafone<", "<Funder>Vodafone<", "attribute 'id' is required"),
        SampleEdit.ledger(">500000.00<", ">-500000.00<", nil),
        SampleEdit.ledger("<Round>2008</Round>", "<Round>2013/14</Round>", nil),
        SampleEdit.ledger("    <Memo/>\n", "", nil),
    ])
    func sampleWithOneEditIsJudgedByItsSchema(edit: SampleEdit) throws {
        // Given a sample export with the first occurrence of one value changed
        let original = try String(contentsOfFile: XMLTestFiles.sample(edit.sample), encoding: .utf8)
        let range = try #require(original.range(of: edit.replace))
        let edited = original.replacingCharacters(in: range, with: edit.with)
        let line = original[..<range.lowerBound].count { $0 == "\n" } + 1
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write(edited, as: edit.sample, in: scratch)
        // When it is validated while streaming
        let schema = try XMLSchema(path: XMLTestFiles.schemas.appendingPathComponent(edit.schema).path)
        let (_, error) = XMLTestFiles.read(path, schema: schema)
        // Then it is accepted, or refused on the edited line with a message that says why
        guard let violation = edit.violation else {
            #expect(error == nil)
            return
        }
        #expect(error?.reason == .schemaViolation)
        #expect(error?.line == (edit.reportedOn ?? line))
        #expect(error?.message.contains(violation) == true, "\(error?.message ?? "no error")")
    }
}
