"""The Scrapy project: base spiders per platform, spiders per source, pipelines one per file."""
