package inbox

import "convene/meeting"

// ReadAttachment reads one attachment by its file name's kind, as
// readAttachments does: the delegates, the problems, and why it was not
// read.
func ReadAttachment(fileName string, data []byte, maxRows int) (ds []meeting.Delegate, problems []string, why string) {
	var kind listKind
	switch {
	case len(fileName) > 5 && fileName[len(fileName)-5:] == ".xlsx":
		kind = listXLSX
	case len(fileName) > 5 && fileName[len(fileName)-5:] == ".docx":
		kind = listDOCX
	case len(fileName) > 4 && fileName[len(fileName)-4:] == ".pdf":
		kind = listPDF
	default:
		kind = listText
	}
	reg, why, _ := readAttachment(kind, data, maxRows)
	return reg.Delegates, reg.Problems, why
}
