import Testing
@testable import StrataCore

@Test func dictionaryUnionIsSortedAndUnique() {
    let a = StringDictionary(["b", "d", "zz"]), b = StringDictionary(["a", "b", "c", "zz"]), c = StringDictionary(["d", "b"])
    let (merged, maps) = StringDictionary.union([a, b, c])
    #expect(merged.strings == ["a", "b", "c", "d", "zz"])
    #expect(maps == [[1, 3, 4], [0, 1, 2, 4], [3, 1]])
    // all inputs sorted (segment dictionaries): merged without sorting
    let (ms, mm) = StringDictionary.union([a, b, StringDictionary(["", "b", "bb", "zz", "zzz"]), StringDictionary()])
    #expect(ms.strings == ["", "a", "b", "bb", "c", "d", "zz", "zzz"])
    #expect(mm == [[2, 5, 6], [1, 2, 4, 6], [0, 2, 3, 6, 7], []])
    let (single, m1) = StringDictionary.union([StringDictionary(["x", "y"])])
    #expect(single.strings == ["x", "y"] && m1 == [[0, 1]])
    let (dup, m2) = StringDictionary.union([StringDictionary(["y", "x", "y"])])
    #expect(dup.strings == ["x", "y"] && m2 == [[1, 0, 1]])
    let (empty, m3) = StringDictionary.union([StringDictionary(), StringDictionary(["q"])])
    #expect(empty.strings == ["q"] && m3 == [[], [0]])
}

@Test func concatenationKeepsRowsNullsAndStrings() {
    let a = Column(.string(codes: [1, 0, 1], dictionary: StringDictionary(["b", "a"])), validity: [1, 0, 1])
    let b = Column(.string(codes: [0, 1], dictionary: StringDictionary(["a", "c"])))
    let s = Column.concatenated([a, b], physical: .string, total: 5)
    guard case .string(let codes, let dict) = s.data else { Issue.record("not a string column"); return }
    #expect(dict.strings == ["a", "b", "c"])
    #expect(codes.enumerated().filter { !s.isNull($0.offset) }.map { dict[Int($0.element)] } == ["a", "a", "a", "c"])
    #expect(s.validity == [1, 0, 1, 1, 1])
    let i = Column.concatenated([Column(.int64([3, 1])), Column(.int64([]))], physical: .int64, total: 2)
    guard case .int64(let v) = i.data else { Issue.record("not an int column"); return }
    #expect(v == [3, 1] && i.validity == nil)
    // gathering picks rows in the given order, validity alongside
    let g = [Int32(2), 0].withUnsafeBufferPointer { s.gathered($0) }
    #expect(g.validity == [1, 1] && g.count == 2)
}

@Test func columnOrderWordsFollowTheValues() {
    // an unsorted dictionary that repeats an entry: equal strings share a rank
    let s = Column(.string(codes: [0, 1, 2, 3], dictionary: StringDictionary(["b", "a", "b", "c"])))
    #expect(s.orderWords() == [1, 0, 1, 2])
    #expect(Column(.string(codes: [1, 0], dictionary: StringDictionary(["a", "b"]))).orderWords() == [1, 0])
    #expect(Column(.bool([1, 0])).orderWords() == [1, 0])
    let d = Column(.double([1.5, -0.0, 0.0, .nan, -.infinity])).orderWords()
    #expect(d[1] == d[2] && d[4] < d[1] && d[1] < d[0] && d[0] < d[3])
}
