package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersales/aftersales/internal/app"
)

// uploadMetrics are the uploads stored, as the last sweep of this replica counted them
// (counting reads the whole attachments table: once a sweep, not at every scrape), and
// the uploads its sweeps deleted.
type uploadMetrics struct {
	stored, storedBytes *prometheus.GaugeVec
	swept, sweptBytes   prometheus.Counter
}

func newUploadMetrics() *uploadMetrics {
	return &uploadMetrics{
		stored: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aftersales_uploads_stored",
			Help: "Uploaded attachments stored, linked to a case or not (yet), as of this replica's last sweep.",
		}, []string{"linked"}),
		storedBytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aftersales_upload_bytes_stored",
			Help: "Bytes of uploaded attachments stored, linked to a case or not (yet), as of this replica's last sweep.",
		}, []string{"linked"}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersales_uploads_swept_total",
			Help: "Uploads that no case claimed within the grace period, deleted with their bytes by this replica.",
		}),
		sweptBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersales_upload_bytes_swept_total",
			Help: "Bytes of the uploads this replica swept.",
		}),
	}
}

func (u *uploadMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{u.stored, u.storedBytes, u.swept, u.sweptBytes}
}

// Uploads implements app.Observer.
func (m *Metrics) Uploads(s app.UploadSweep) {
	u := m.uploads
	u.swept.Add(float64(s.Swept))
	u.sweptBytes.Add(float64(s.SweptBytes))
	t := s.Stored
	u.stored.WithLabelValues("true").Set(float64(t.Count - t.UnlinkedCount))
	u.stored.WithLabelValues("false").Set(float64(t.UnlinkedCount))
	u.storedBytes.WithLabelValues("true").Set(float64(t.Bytes - t.UnlinkedBytes))
	u.storedBytes.WithLabelValues("false").Set(float64(t.UnlinkedBytes))
}
