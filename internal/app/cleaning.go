package app

import "github.com/aftersales/aftersales/internal/text"

// clean removes from what the applicant typed what cannot be seen (text.Clean): a
// description of control characters only is no description.
func (in *ApplyInput) clean() {
	in.Description = text.Clean(in.Description)
}

// clean removes from what the actor typed what cannot be seen (text.Clean): a note, a
// carrier or a tracking number of control characters only is an empty one, refused as
// such by an action that needs it.
func (in *ActInput) clean() {
	in.Note = text.Clean(in.Note)
	in.Carrier = text.Clean(in.Carrier)
	in.TrackingNo = text.Clean(in.TrackingNo)
}
