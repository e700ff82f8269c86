import Foundation
import StrataCore

/// A small click-log CSV: the table the manifest, SQL and ingest targets work on.
public let tinyClicksCSV = """
ts,user_id,url,referrer,country,duration_ms,is_bot,price
2024-01-01 00:00:01,1,/home,https://google.com/?q=a,DE,120,false,1.5
2024-01-01 00:10:00,2,/cart,,US,,true,
2024-01-02 12:00:00,1,/home,https://example.org/x?utm_source=news,DE,3000,false,19.99
2024-01-31 23:59:59,3,/checkout,,FR,45,false,-0.0
2024-02-01 00:00:00,4,"/a,b",,"",7,true,1e300
2024-02-15 08:30:00,2,/home,https://google.com/,US,0,false,NaN

"""
